import type { MemoryJob, MemoryQueue } from '../engine/memory/memory-queue.js';
import type { GuardedJob } from '../engine/storage-engine.interface.js';
import type { BreakerSpec, BreakerTransition } from './breaker-store.interface.js';
import { MemoryBreaker } from './memory-breaker.js';

/** The breakers of one memory-engine claim: what claim.lua does with them, step by step. */
export class MemoryBreakerGate {
  readonly transitions: BreakerTransition[] = [];
  private readonly specs = new Map<string, BreakerSpec>();
  private readonly looked = new Set<MemoryBreaker>();

  constructor(
    private readonly queue: MemoryQueue,
    guarded: readonly GuardedJob[] = [],
    private readonly now: number,
    private readonly leaseMs: number,
  ) {
    for (const { jobName, breaker } of guarded) this.specs.set(jobName, breaker);
  }

  /** Whether jobs of this name run behind a breaker (they are then only claimed to start). */
  guards(job: MemoryJob): boolean {
    return this.specs.has(job.name);
  }

  /** Counts the outcome of a job the worker settled. */
  settled(job: MemoryJob, completed: boolean): void {
    const found = this.breakerOf(job.name);
    if (!found) return;
    const [breaker, spec] = found;
    this.note(completed ? breaker.succeeded(job.id) : breaker.failed(spec, this.now));
  }

  /** Jobs parked behind a closed breaker go back to the front of the queue; behind a half-open one, as many as it has probes to spare. */
  unpark(): void {
    for (const spec of new Set(this.specs.values())) {
      const [breaker] = this.breakerOf(spec.name, spec)!;
      const count =
        breaker.state === 'closed' ? breaker.parked.length : breaker.state === 'half' ? breaker.freeProbes(spec, this.leaseMs, this.now) : 0;
      const ids = breaker.parked.splice(0, Math.max(0, count));
      for (const id of ids.reverse()) {
        const job = this.queue.jobs.get(id)!;
        job.parkedBy = undefined;
        this.queue.pushWaiting(job, true);
      }
      if (ids.length > 0) this.queue.wake();
    }
  }

  /**
   * Whether the claim takes a job behind a breaker: parked while the breaker is open (or half-open
   * with every probe slot taken), taken as a probe while half-open. Undefined when no breaker guards it.
   */
  admit(job: MemoryJob): 'take' | 'park' | undefined {
    const found = this.breakerOf(job.name);
    if (!found) return undefined;
    const [breaker, spec] = found;
    if (breaker.state === 'closed') return 'take';
    if (breaker.state === 'half' && breaker.freeProbes(spec, this.leaseMs, this.now) > 0) {
      breaker.probes.set(job.id, this.now);
      return 'take';
    }
    breaker.parked.push(job.id);
    job.parkedBy = breaker.name;
    return 'park';
  }

  /** When an open breaker with parked jobs turns half-open, so that a worker looks then. */
  wakeAt(): number | undefined {
    let at: number | undefined;
    for (const spec of new Set(this.specs.values())) {
      const breaker = this.queue.breakers.get(spec.name);
      if (breaker?.state !== 'open' || breaker.byHand || breaker.parked.length === 0) continue;
      const due = breaker.openedAt! + spec.resetTimeoutMs;
      if (at === undefined || due < at) at = due;
    }
    return at;
  }

  private breakerOf(jobName: string, known?: BreakerSpec): [MemoryBreaker, BreakerSpec] | undefined {
    const spec = known ?? this.specs.get(jobName);
    if (!spec) return undefined;
    let breaker = this.queue.breakers.get(spec.name);
    if (!breaker) {
      breaker = new MemoryBreaker(spec.name);
      this.queue.breakers.set(spec.name, breaker);
    }
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
