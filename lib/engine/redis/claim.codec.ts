import type { BreakerTransition } from '../ports/breaker-store.interface.js';
import type { ClaimRequest, ClaimResponse } from '../storage-engine.interface.js';
import { decodeClaimedJobs } from './claimed-jobs.codec.js';
import { decodeTransition } from './breaker-transition.codec.js';

/** What claim.lua returns (see its header), read with every string as a Buffer (its jobs are MessagePack). */
export type ClaimReply = [Buffer[], number, Buffer[], number, Buffer | number, number, Buffer[], Buffer[], Buffer[], Buffer, number, number, Buffer[]];

/** The keys of one worker: the ids it runs, those it reserved, and those cancelled under it. */
export function workerKeys(base: string, workerId: string): string[] {
  return [`${base}:a:${workerId}`, `${base}:r:${workerId}`, `${base}:x:${workerId}`];
}

/**
 * A claim request as claim.lua's own KEYS (after the queue's) and ARGV (see its header), with
 * the worker's `config` and `connection`, and the workers whose lease may have expired.
 */
export function claimArgs(
  base: string,
  request: ClaimRequest,
  config: (string | number)[],
  connection: string,
  suspects: readonly string[],
): { keys: string[]; args: (string | number)[] } {
  const keys = workerKeys(base, request.workerId);
  const args: (string | number)[] = [request.workerId, request.max, request.reserve, request.held, request.inFlight, ...config];
  args.push(suspects.length, ...suspects);
  for (const suspect of suspects) keys.push(...workerKeys(base, suspect));
  const guarded = request.breakers ?? [];
  args.push(guarded.length);
  for (const { jobName, breaker } of guarded) {
    args.push(jobName, breaker.name, breaker.failureThreshold, breaker.windowMs, breaker.resetTimeoutMs, breaker.halfOpenProbes);
    const name = breaker.name;
    keys.push(`${base}:b:${name}`, `${base}:bf:${name}`, `${base}:bp:${name}`, `${base}:bq:${name}`);
  }
  const rates = request.rateLimits ?? [];
  args.push(rates.length);
  for (const { jobName, max, perMs } of rates) {
    args.push(jobName ?? '', max, perMs);
    keys.push(`${base}:rc:${jobName ?? ''}`, jobName === null ? `${base}:rq` : `${base}:rq:${jobName}`);
  }
  args.push(request.started.length, ...request.started, request.settlements.length);
  for (const s of request.settlements) {
    const kind = s.outcome === 'completed' ? 'c' : s.outcome === 'failed' ? 'f' : s.outcome === 'skipped' ? 's' : 'd';
    const code = s.reserved ? kind.toUpperCase() : kind;
    if (s.outcome === 'completed') args.push(s.id, code, s.result, -1);
    else if (s.outcome === 'skipped') args.push(s.id, s.reserved ? 'S' : 's', s.reason, -1);
    else args.push(s.id, code, JSON.stringify(s.error), s.retryInMs);
  }
  const release = request.release ?? [];
  const limits = request.limits ?? [];
  args.push(release.length, ...release, limits.length, ...limits.flat(), request.leaving ? '1' : '0', connection);
  return { keys, args };
}

/** claim.lua's reply as a `ClaimResponse`, and whether another worker of the queue holds jobs. */
export function parseClaimReply([flat, wakeIn, cancelled, reconcile, top, othersHold, made, expired, orphans, nextSuspect, flowSent, rateReserve, shut]: ClaimReply): {
  response: ClaimResponse;
  othersHold: boolean;
  /** Workers whose lease expired, for the reap script. */
  expired: string[];
  /** Parked lists nobody declares any more, for the unpark script. */
  orphans: string[];
  /** The other worker whose lease ends first, if any: the next claim reaps it inline should it have expired. */
  nextSuspect: string | null;
  /** A settled job's parent is in another queue: the queue's flow outbox is to be drained. */
  flowSent: boolean;
} {
  const jobs = decodeClaimedJobs(flat);
  const transitions: BreakerTransition[] = [];
  for (let i = 0; i < made.length; i += 2) {
    const transition = decodeTransition(String(made[i]), String(made[i + 1]));
    if (transition) transitions.push(transition);
  }
  const response = {
    jobs,
    wakeInMs: wakeIn < 0 ? null : wakeIn,
    cancelled: cancelled.map(String),
    reconcile: reconcile === 1,
    topPriority: typeof top === 'number' ? top : top.length === 0 ? null : Number(String(top)),
    transitions,
    shutBreakers: shut.map(String),
    rateReserveMs: rateReserve < 0 ? null : rateReserve,
  };
  const suspect = String(nextSuspect);
  return { response, othersHold: othersHold === 1, expired: expired.map(String), orphans: orphans.map(String), nextSuspect: suspect === '' ? null : suspect, flowSent: flowSent === 1 };
}
