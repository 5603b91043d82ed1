import type { DeadReason, JobState } from '../../interfaces/job-info.interface.js';
import type { StoredJob } from '../../engine/stored-job.interface.js';
import type { RedactableJob } from '../dashboard-options.interface.js';
import type { DashboardConfig } from '../dashboard.config.js';

/** Characters of a payload and of an error message shown in a list. */
const PREVIEW_LENGTH = 200;

/**
 * A job in a list: what a row shows. `data` is the payload as JSON text, cut to 200 characters.
 * @publicApi
 */
export interface DashboardJobSummary {
  id: string;
  name: string;
  queue: string;
  state: JobState;
  priority: number;
  attempts: number;
  maxAttempts: number;
  enqueuedAt: number;
  runAt?: number;
  startedAt?: number;
  finishedAt?: number;
  data: string;
  lastError?: string;
}

/** One step of a job's life, for its timeline. */
export interface DashboardTimelineEntry {
  at: number;
  event: 'enqueued' | 'due' | 'started' | 'failed' | 'redriven' | 'finished';
  detail?: string;
}

/**
 * A job's page: texts (payload and result as JSON text, progress, log lines, error messages and
 * stacks) cut to `maxTextLength`, each cut one named in `truncatedFields` (`'data'`, `'result'`,
 * `'errors[0].stack'`, `'logs[3]'`), which `jobs/:id/full?field=` gives whole.
 * @publicApi
 */
export interface DashboardJobDetail extends Omit<DashboardJobSummary, 'lastError'> {
  result?: string;
  progress?: string;
  logs: string[];
  errors: { attempt: number; name?: string; message: string; stack?: string; at: number; worker?: string }[];
  errorCount: number;
  stalls: number;
  deadReason?: DeadReason;
  redrives: { at: number; deadReason: DeadReason; errorCount: number }[];
  timeline: DashboardTimelineEntry[];
  truncated: boolean;
  truncatedFields: string[];
}

/** What every view of a job starts from: the stored job, parsed and passed through `redact`. */
export function redacted(job: StoredJob, config: DashboardConfig): RedactableJob {
  const parsed: RedactableJob = {
    id: job.id,
    name: job.name,
    queue: job.queue,
    data: parse(job.data),
    result: parse(job.result),
    progress: parse(job.progress),
    logs: [...job.logs],
    errors: job.errors.map(({ message, stack }) => ({ message, stack })),
  };
  if (!config.redact) return parsed;
  try {
    const out = config.redact(parsed);
    if (typeof out !== 'object' || out === null || !Array.isArray(out.logs) || !Array.isArray(out.errors)) {
      throw new Error('it returned no job (return the job it was given, with fields replaced)');
    }
    return out;
  } catch (error) {
    // nothing of the job leaves the server when its redaction failed
    const hidden = `[hidden: redact() threw ${(error as Error)?.message ?? error}]`;
    return { ...parsed, data: hidden, result: undefined, progress: undefined, logs: [], errors: parsed.errors.map(() => ({ message: hidden })) };
  }
}

export function toSummary(job: StoredJob, config: DashboardConfig): DashboardJobSummary {
  const view = redacted(job, config);
  const last = view.errors.at(-1)?.message;
  return {
    ...common(job),
    data: cut(json(view.data), PREVIEW_LENGTH).text,
    ...(last === undefined ? {} : { lastError: cut(last, PREVIEW_LENGTH).text }),
  };
}

export function toDetail(job: StoredJob, config: DashboardConfig): DashboardJobDetail {
  const view = redacted(job, config);
  const truncatedFields: string[] = [];
  const keep = (field: string, text: string): string => {
    const { text: shown, cut: wasCut } = cut(text, config.maxTextLength);
    if (wasCut) truncatedFields.push(field);
    return shown;
  };
  const errors = job.errors.map((error, index) => ({
    attempt: error.attempt,
    ...(error.name === undefined ? {} : { name: error.name }),
    message: keep(`errors[${index}].message`, view.errors[index]?.message ?? ''),
    ...(view.errors[index]?.stack === undefined ? {} : { stack: keep(`errors[${index}].stack`, view.errors[index]!.stack!) }),
    at: error.at,
    ...(error.worker === undefined ? {} : { worker: error.worker }),
  }));
  return {
    ...common(job),
    data: keep('data', json(view.data)),
    ...(view.result === undefined ? {} : { result: keep('result', json(view.result)) }),
    ...(view.progress === undefined ? {} : { progress: keep('progress', json(view.progress)) }),
    logs: view.logs.map((line, index) => keep(`logs[${index}]`, line)),
    errors,
    errorCount: job.errorCount,
    stalls: job.stalls,
    ...(job.deadReason === undefined ? {} : { deadReason: job.deadReason }),
    redrives: job.redrives.map((redrive) => ({ ...redrive })),
    timeline: timeline(job),
    truncated: truncatedFields.length > 0,
    truncatedFields,
  };
}

/** The whole of one field of `toDetail`'s (`data`, `result`, `progress`, `logs[n]`, `errors[n].message`, `errors[n].stack`), still redacted; undefined if there is no such field. */
export function fullField(job: StoredJob, config: DashboardConfig, field: string): string | undefined {
  const view = redacted(job, config);
  if (field === 'data') return json(view.data);
  if (field === 'result') return view.result === undefined ? undefined : json(view.result);
  if (field === 'progress') return view.progress === undefined ? undefined : json(view.progress);
  const log = /^logs\[(\d+)\]$/.exec(field);
  if (log) return view.logs[Number(log[1])];
  const error = /^errors\[(\d+)\]\.(message|stack)$/.exec(field);
  if (error) return view.errors[Number(error[1])]?.[error[2] as 'message' | 'stack'];
  return undefined;
}

function common(job: StoredJob): Omit<DashboardJobSummary, 'data' | 'lastError'> {
  return {
    id: job.id,
    name: job.name,
    queue: job.queue,
    state: job.state,
    priority: job.priority,
    attempts: job.attempts,
    maxAttempts: job.maxAttempts,
    enqueuedAt: job.enqueuedAt,
    ...(job.runAt === undefined ? {} : { runAt: job.runAt }),
    ...(job.startedAt === undefined ? {} : { startedAt: job.startedAt }),
    ...(job.finishedAt === undefined ? {} : { finishedAt: job.finishedAt }),
  };
}

function timeline(job: StoredJob): DashboardTimelineEntry[] {
  const entries: DashboardTimelineEntry[] = [{ at: job.enqueuedAt, event: 'enqueued' }];
  if (job.runAt !== undefined && job.runAt > job.enqueuedAt) entries.push({ at: job.runAt, event: 'due' });
  for (const error of job.errors) entries.push({ at: error.at, event: 'failed', detail: `attempt ${error.attempt}` });
  for (const redrive of job.redrives) entries.push({ at: redrive.at, event: 'redriven', detail: redrive.deadReason });
  if (job.startedAt !== undefined) entries.push({ at: job.startedAt, event: 'started', detail: `attempt ${job.attempts}` });
  if (job.finishedAt !== undefined) entries.push({ at: job.finishedAt, event: 'finished', detail: job.state });
  return entries.sort((a, b) => a.at - b.at);
}

/** The text search matches: the job's name, id and redacted payload. */
export function searchText(view: RedactableJob): string {
  return json(view.data);
}

function parse(text: string | undefined): unknown {
  if (text === undefined || text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function json(value: unknown): string {
  if (value === undefined) return 'undefined';
  try {
    return JSON.stringify(value, null, 2) ?? String(value);
  } catch {
    return String(value);
  }
}

function cut(text: string, length: number): { text: string; cut: boolean } {
  return text.length > length ? { text: text.slice(0, length), cut: true } : { text, cut: false };
}
