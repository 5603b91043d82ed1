import type { DeadReason, JobErrorRecord, JobState } from '../../interfaces/job-info.interface.js';
import type { StoredJob, StoredRedrive } from '../stored-job.interface.js';

/** A job hash as Redis keeps it (see lua/parts/lib.lua), in the engine-neutral form. */
export function toStoredJob(queue: string, id: string, hash: Record<string, string>, logs: string[]): StoredJob {
  const optional = (field: string) => (hash[field] === undefined ? undefined : Number(hash[field]));
  const errors = hash.e ? (JSON.parse(hash.e) as JobErrorRecord[]) : [];
  return {
    id,
    name: hash.n!,
    queue,
    // a reserved job has not reached its handler yet; a parked one waits for its circuit breaker
    state: (hash.s === 'reserved' || hash.s === 'parked' ? 'waiting' : hash.s) as JobState,
    data: hash.d!,
    priority: Number(hash.p),
    attempts: Number(hash.a ?? 0),
    maxAttempts: Number(hash.m),
    result: hash.r,
    errors,
    errorCount: Math.max(Number(hash.ec ?? 0), errors.length),
    progress: hash.pr,
    logs,
    stalls: Number(hash.st ?? 0),
    deadReason: hash.dr as DeadReason | undefined,
    skipReason: hash.sk,
    waitingChildren: optional('wc'),
    parents: hash.pa ? (JSON.parse(hash.pa) as [string, string, string][]).map(([parent]) => parent) : undefined,
    redrives: hash.rv ? (JSON.parse(hash.rv) as [number, DeadReason, number][]).map(toRedrive) : [],
    enqueuedAt: Number(hash.t),
    runAt: optional('ra'),
    startedAt: optional('sa'),
    finishedAt: optional('f'),
  };
}

function toRedrive([at, deadReason, errorCount]: [number, DeadReason, number]): StoredRedrive {
  return { at, deadReason, errorCount };
}

/** HGETALL's reply as a script returns it, a field/value list, as a record. */
export function pairs(flat: string[]): Record<string, string> {
  const hash: Record<string, string> = {};
  for (let i = 0; i < flat.length; i += 2) hash[flat[i]!] = flat[i + 1]!;
  return hash;
}
