import type { JobInfo } from '../interfaces/job-info.interface.js';
import { deserialize } from '../payload/payload.codec.js';
import type { StoredJob } from './stored-job.interface.js';

/** A stored job as users see it: payload, result and progress parsed, times as dates. */
export function toJobInfo<TData, TResult>(job: StoredJob): JobInfo<TData, TResult> {
  const date = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms));
  return {
    id: job.id,
    name: job.name,
    queue: job.queue,
    state: job.state,
    data: JSON.parse(job.data) as TData,
    priority: job.priority,
    attempts: job.attempts,
    maxAttempts: job.maxAttempts,
    result: deserialize<TResult>(job.result),
    errors: job.errors,
    errorCount: job.errorCount,
    progress: deserialize(job.progress),
    logs: job.logs,
    stalls: job.stalls,
    deadReason: job.deadReason,
    ...(job.skipReason === undefined ? {} : { skipReason: job.skipReason }),
    ...(job.waitingChildren === undefined ? {} : { waitingChildren: job.waitingChildren }),
    ...(job.parents === undefined ? {} : { parents: job.parents }),
    redrives: job.redrives.map(({ at, deadReason, errorCount }) => ({ at: new Date(at), deadReason, errorCount })),
    enqueuedAt: new Date(job.enqueuedAt),
    runAt: date(job.runAt),
    startedAt: date(job.startedAt),
    finishedAt: date(job.finishedAt),
  };
}
