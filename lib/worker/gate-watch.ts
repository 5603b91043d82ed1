// the process's own clock, not the global a test's fake timers replace (see claim-pacer.ts)
import { performance } from 'node:perf_hooks';
import type { ClaimedJob, ClaimRequest, ClaimResponse } from '../engine/storage-engine.interface.js';

/** How long before the end of the rate limit window that counted it a reserved job must start: rounding of the two clocks. */
const WINDOW_MARGIN_MS = 2;

/**
 * Which of a worker's reserved jobs behind a gate may start. Storage reserves a job behind a
 * circuit breaker or a rate limit only while the gate cannot shut on it unseen (a closed
 * breaker, a window with room to spare); this holds the worker to its side of that. A reserved
 * job behind a breaker starts only if the last claim's answer said the breaker was closed and no
 * job behind it failed here since that claim was sent (and, as every reserved job, only soon
 * after that look: `ClaimPacer.stale`). One a rate limit counted starts only before the window
 * that counted it ends, by this process's clock from when the claim was sent, which is never
 * later than storage's. Otherwise it goes back to the queue.
 */
export class GateWatch {
  private readonly breakerOf = new Map<string, string>();
  private readonly rateLimited = new Set<string>();
  private readonly queueLimited: boolean;
  /** Breakers the last claim's answer said are not closed. */
  private shut = new Set<string>();
  /** Breakers a job behind which failed here, and when: their reserved jobs wait for a look sent after that. */
  private readonly failedAt = new Map<string, number>();
  /** By when (`performance.now()`) each reserved job a rate limit counted must start. */
  private readonly deadlines = new WeakMap<ClaimedJob, number>();

  constructor(gates: Pick<ClaimRequest, 'breakers' | 'rateLimits'>) {
    for (const { jobName, breaker } of gates.breakers ?? []) this.breakerOf.set(jobName, breaker.name);
    for (const { jobName } of gates.rateLimits ?? []) if (jobName !== null) this.rateLimited.add(jobName);
    this.queueLimited = (gates.rateLimits ?? []).some((rule) => rule.jobName === null);
  }

  /** Whether any job of the queue runs behind a gate. */
  get any(): boolean {
    return this.breakerOf.size > 0 || this.rateLimited.size > 0 || this.queueLimited;
  }

  /** Whether jobs of `name` run behind a breaker or a rate limit (the queue's included). */
  guards(name: string): boolean {
    return this.queueLimited || this.breakerOf.has(name) || this.rateLimited.has(name);
  }

  /** Takes in the answer to a claim sent at `sentAt` (`performance.now()`), which reserved `reserved`. */
  claimed(response: ClaimResponse, reserved: readonly ClaimedJob[], sentAt: number): void {
    this.shut = new Set(response.shutBreakers);
    for (const [breaker, at] of this.failedAt) if (at < sentAt) this.failedAt.delete(breaker);
    const windowMs = response.rateReserveMs;
    if (windowMs === null) return;
    for (const job of reserved) {
      if (this.queueLimited || this.rateLimited.has(job.name)) this.deadlines.set(job, sentAt + windowMs - WINDOW_MARGIN_MS);
    }
  }

  /** A job of `name` failed here: its breaker may open. */
  failed(name: string): void {
    const breaker = this.breakerOf.get(name);
    if (breaker !== undefined) this.failedAt.set(breaker, performance.now());
  }

  /** What `passes` found since it was reset: a reserved job waiting for a look, or one to hand back. */
  held: 'look' | 'back' | null = null;

  /** Whether a reserved job may start now; one that may not is noted in `held` ('back' first). */
  passes(job: ClaimedJob): boolean {
    const verdict = this.verdict(job);
    if (verdict !== 'start' && this.held !== 'back') this.held = verdict;
    return verdict === 'start';
  }

  /** Whether a reserved job may start now, must wait for a look at storage, or must go back. */
  verdict(job: ClaimedJob): 'start' | 'look' | 'back' {
    const breaker = this.breakerOf.get(job.name);
    if (breaker !== undefined) {
      if (this.shut.has(breaker)) return 'back';
      if (this.failedAt.has(breaker)) return 'look';
    }
    const deadline = this.deadlines.get(job);
    return deadline !== undefined && performance.now() > deadline ? 'back' : 'start';
  }
}
