import type { ClaimedJob, NewJob } from '../storage-engine.interface.js';
import type { StoredJob } from '../stored-job.interface.js';
import type { MemoryJob } from './memory-job.interface.js';

/** A job as the memory engine keeps it, in the engine-neutral form (a copy: the caller may keep it). */
export function toStoredJob(queueName: string, job: MemoryJob): StoredJob {
  return {
    id: job.id,
    name: job.name,
    queue: queueName,
    state: job.state,
    data: job.data,
    priority: job.priority,
    attempts: job.attempts,
    maxAttempts: job.maxAttempts,
    result: job.result,
    errors: [...job.errors],
    errorCount: job.errorCount ?? job.errors.length,
    progress: job.progress,
    logs: [...job.logs],
    stalls: job.stalls,
    deadReason: job.deadReason,
    skipReason: job.skipReason,
    waitingChildren: job.waitingChildren,
    parents: job.parents?.map(([parent]) => parent),
    redrives: job.redrives.map((redrive) => ({ ...redrive })),
    enqueuedAt: job.enqueuedAt,
    runAt: job.runAt,
    startedAt: job.startedAt,
    finishedAt: job.finishedAt,
  };
}

/** A job as a claim hands it to its worker; a reserved one's attempt begins when it starts. */
export function toClaimedJob(job: MemoryJob): ClaimedJob {
  return {
    id: job.id,
    name: job.name,
    data: job.data,
    attempt: job.reserved ? job.attempts + 1 : job.attempts,
    maxAttempts: job.maxAttempts,
    timeoutMs: job.timeoutMs,
    enqueuedAt: job.enqueuedAt,
    priority: job.priority,
    ...(job.trace ? { trace: job.trace } : {}),
  };
}

/** A new job as the memory engine keeps it, waiting (the caller puts it in line, or delays it). */
export function toMemoryJob(job: NewJob, now: number): MemoryJob {
  return {
    id: job.id,
    name: job.name,
    data: job.data,
    priority: job.priority,
    maxAttempts: job.maxAttempts,
    attempts: 0,
    timeoutMs: job.timeoutMs,
    enqueuedAt: now,
    trace: job.trace,
    state: 'waiting',
    errors: [],
    logs: [],
    stalls: 0,
    redrives: [],
  };
}
