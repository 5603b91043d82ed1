import type { BreakerSpec, BreakerTransition } from '../ports/breaker-store.interface.js';
import { MemoryBreaker } from './memory-breaker.js';
import type { GuardedJob, RateLimitRule } from '../storage-engine.interface.js';
import type { MemoryJob } from './memory-job.interface.js';
import type { MemoryQueue } from './memory-queue.js';

/** A rate limit window ending within this many ms reserves nothing: its reserve would go back before it could start. */
const RESERVE_WINDOW_MS = 20;

interface RateGate {
  /** The parked list of the gate: 'rq:<job name>', or 'rq' for the whole queue. */
  list: string;
  rule: RateLimitRule;
  window: number;
}

/**
 * What one memory-engine claim does with circuit breakers and rate limits, the steps of
 * claim.lua: count outcomes, park jobs that may not start, and unpark them when they may.
 */
export class MemoryClaimGates {
  readonly transitions: BreakerTransition[] = [];
  private readonly specs = new Map<string, BreakerSpec>();
  private readonly looked = new Set<MemoryBreaker>();
  private readonly rates: RateGate[] = [];

  constructor(
    private readonly queue: MemoryQueue,
    guarded: readonly GuardedJob[] = [],
    rateLimits: readonly RateLimitRule[] = [],
    private readonly now: number,
    private readonly leaseMs: number,
  ) {
    for (const { jobName, breaker } of guarded) this.specs.set(jobName, breaker);
    for (const rule of rateLimits) {
      this.rates.push({ list: rule.jobName === null ? 'rq' : `rq:${rule.jobName}`, rule, window: Math.floor(now / rule.perMs) });
    }
  }

  /** Whether jobs of this name wait at a gate (they are then only claimed to start). */
  guards(job: MemoryJob): boolean {
    return this.specs.has(job.name) || this.ratesOf(job).length > 0;
  }

  /**
   * Whether a gated job may be reserved: its breaker closed, and each of its rate limits' windows
   * left with at least half its max after counting it and not about to end (see claim-pop.lua).
   */
  reservable(job: MemoryJob): boolean {
    const found = this.breakerOf(job.name);
    if (found && found[0].state !== 'closed') return false;
    return this.ratesOf(job).every((gate) => this.room(gate) - 1 >= gate.rule.max / 2 && (gate.window + 1) * gate.rule.perMs - this.now >= RESERVE_WINDOW_MS);
  }

  /** When the first rate limit window that counts `job` ends; undefined if none counts it. */
  windowEnd(job: MemoryJob): number | undefined {
    const ends = this.ratesOf(job).map((gate) => (gate.window + 1) * gate.rule.perMs);
    return ends.length > 0 ? Math.min(...ends) : undefined;
  }

  /** The breakers of the worker's handlers that are not closed. */
  shut(): string[] {
    return [...new Set(this.specs.values())].filter((spec) => this.breakerOf(spec.name, spec)![0].state !== 'closed').map((spec) => spec.name);
  }

  /** Counts the outcome of a job the worker settled. */
  settled(job: MemoryJob, completed: boolean): void {
    const found = this.breakerOf(job.name);
    if (!found) return;
    const [breaker, spec] = found;
    this.note(completed ? breaker.succeeded(job.id) : breaker.failed(spec, this.now));
  }

  /**
   * Parked jobs go back to the front of the queue: all of a closed breaker's, as many as a
   * half-open one has probes to spare, as many as a rate limit's window still allows.
   */
  unpark(): void {
    for (const spec of new Set(this.specs.values())) {
      const [breaker] = this.breakerOf(spec.name, spec)!;
      const count = breaker.state === 'closed' ? Infinity : breaker.state === 'half' ? breaker.freeProbes(spec, this.leaseMs, this.now, this.running) : 0;
      this.release(`bq:${spec.name}`, count);
    }
    // what a window still allows goes back counted in it (see claim.lua)
    for (const gate of this.rates) {
      const moved = this.release(gate.list, this.room(gate), `${gate.list}@${gate.window}`);
      this.queue.rateCounter(gate.rule.jobName, gate.window).count += moved;
    }
  }

  /** Whether the claim takes a job: parked when a gate is shut, taken (as a probe, if half-open) otherwise. */
  admit(job: MemoryJob): 'take' | 'park' {
    const rates = this.ratesOf(job);
    // a job sent back from a rate limit's list was counted in the window already
    const counted = (gate: RateGate) => job.rateMark === `${gate.list}@${gate.window}`;
    const uncounted = rates.filter((gate) => !counted(gate));
    job.rateMark = undefined;
    const over = uncounted.find((gate) => this.room(gate) <= 0);
    if (over) return this.park(job, over.list);
    const found = this.breakerOf(job.name);
    if (found) {
      const [breaker, spec] = found;
      if (breaker.state === 'open') return this.park(job, `bq:${spec.name}`);
      if (breaker.state === 'half') {
        if (breaker.freeProbes(spec, this.leaseMs, this.now, this.running) <= 0) return this.park(job, `bq:${spec.name}`);
        breaker.probes.set(job.id, this.now);
      }
    }
    for (const gate of uncounted) this.queue.rateCounter(gate.rule.jobName, gate.window).count++;
    return 'take';
  }

  /** When a parked job may start: an open breaker half-opens, a rate limit's window ends. */
  wakeAt(): number | undefined {
    let at: number | undefined;
    const consider = (due: number) => (at = at === undefined || due < at ? due : at);
    for (const spec of new Set(this.specs.values())) {
      const breaker = this.queue.breakers.get(spec.name);
      if (breaker?.state === 'open' && !breaker.byHand && this.queue.parked.get(`bq:${spec.name}`)?.length) {
        consider(breaker.openedAt! + spec.resetTimeoutMs);
      }
    }
    for (const gate of this.rates) if (this.queue.parked.get(gate.list)?.length) consider((gate.window + 1) * gate.rule.perMs);
    return at;
  }

  /** Whether a probe's job still runs: a slow probe keeps its slot beyond a lease. */
  private readonly running = (id: string) => this.queue.jobs.get(id)?.state === 'active';

  private ratesOf(job: MemoryJob): RateGate[] {
    return this.rates.filter((gate) => gate.rule.jobName === null || gate.rule.jobName === job.name);
  }

  private room(gate: RateGate): number {
    return gate.rule.max - this.queue.rateCounter(gate.rule.jobName, gate.window).count;
  }

  private park(job: MemoryJob, list: string): 'park' {
    const parked = this.queue.parked.get(list) ?? [];
    parked.push(job.id);
    this.queue.parked.set(list, parked);
    job.parkedBy = list;
    return 'park';
  }

  /** Up to `count` parked jobs back to the front of the queue, in order; returns how many. */
  private release(list: string, count: number, rateMark?: string): number {
    const ids = this.queue.parked.get(list)?.splice(0, Math.max(0, count)) ?? [];
    for (const id of ids.reverse()) {
      const job = this.queue.jobs.get(id)!;
      job.parkedBy = undefined;
      job.rateMark = rateMark;
      this.queue.line.push(job, true);
    }
    if (ids.length > 0) this.queue.wake();
    return ids.length;
  }

  private breakerOf(jobName: string, known?: BreakerSpec): [MemoryBreaker, BreakerSpec] | undefined {
    const spec = known ?? this.specs.get(jobName);
    if (!spec) return undefined;
    const breaker = MemoryBreaker.of(this.queue.breakers, spec.name);
    if (!this.looked.has(breaker)) {
      this.looked.add(breaker);
      this.note(breaker.current(spec, this.now));
    }
    return [breaker, spec];
  }

  private note(transition: BreakerTransition | undefined): void {
    if (transition) this.transitions.push(transition);
  }
}
