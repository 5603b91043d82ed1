import type { BreakerTransition } from '../../breaker/breaker-store.interface.js';
import type { ClaimRequest, ClaimResponse } from '../storage-engine.interface.js';
import { toClaimedJobs } from './redis-job.mapper.js';

/** What claim.lua returns (see its header). */
export type ClaimReply = [(string | number)[], number, string[], number, string, number, string[]];

/** A claim request as claim.lua's ARGV (see its header), after the worker's `config` and before its `connection`. */
export function claimArgs(request: ClaimRequest, config: (string | number)[], connection: string): (string | number)[] {
  const args: (string | number)[] = [request.workerId, request.max, request.reserve, request.held, request.inFlight, ...config];
  const guarded = request.breakers ?? [];
  args.push(guarded.length);
  for (const { jobName, breaker } of guarded) {
    args.push(jobName, breaker.name, breaker.failureThreshold, breaker.windowMs, breaker.resetTimeoutMs, breaker.halfOpenProbes);
  }
  const rates = request.rateLimits ?? [];
  args.push(rates.length);
  for (const { jobName, max, perMs } of rates) args.push(jobName ?? '', max, perMs);
  args.push(request.started.length, ...request.started, request.settlements.length);
  for (const s of request.settlements) {
    const kind = s.outcome === 'completed' ? 'c' : s.outcome === 'failed' ? 'f' : 'd';
    const code = s.reserved ? kind.toUpperCase() : kind;
    if (s.outcome === 'completed') args.push(s.id, code, s.result, -1);
    else args.push(s.id, code, JSON.stringify(s.error), s.retryInMs);
  }
  const release = request.release ?? [];
  const limits = request.limits ?? [];
  args.push(release.length, ...release, limits.length, ...limits.flat(), request.leaving ? '1' : '0', connection);
  return args;
}

/** claim.lua's reply as a `ClaimResponse`, and whether another worker of the queue holds jobs. */
export function parseClaimReply([flat, wakeIn, cancelled, reconcile, top, othersHold, made]: ClaimReply): {
  response: ClaimResponse;
  othersHold: boolean;
} {
  const jobs = toClaimedJobs(flat);
  const transitions: BreakerTransition[] = [];
  for (let i = 0; i < made.length; i += 2) transitions.push({ breaker: made[i]!, to: made[i + 1] as BreakerTransition['to'] });
  const response = {
    jobs,
    wakeInMs: wakeIn < 0 ? null : wakeIn,
    cancelled,
    reconcile: reconcile === 1,
    topPriority: top === '' ? null : Number(top),
    transitions,
  };
  return { response, othersHold: othersHold === 1 };
}
