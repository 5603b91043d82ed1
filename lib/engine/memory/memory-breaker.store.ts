import type { MemoryQueue } from './memory-queue.js';
import type { BreakerReading, BreakerSpec, BreakerStore, BreakerTransition } from '../ports/breaker-store.interface.js';
import { MemoryBreaker } from './memory-breaker.js';

/** Breakers of the memory engine, for calls outside jobs and the runtime API. */
export class MemoryBreakerStore implements BreakerStore {
  constructor(
    private readonly queueOf: (name: string) => MemoryQueue,
    private readonly leaseMs: number,
  ) {}

  async enter(queue: string, spec: BreakerSpec, token: string) {
    const breaker = this.breaker(queue, spec.name);
    const now = Date.now();
    const transition = breaker.current(spec, now);
    if (breaker.state === 'half') {
      const running = (id: string) => this.queueOf(queue).jobs.get(id)?.state === 'active';
      if (breaker.freeProbes(spec, this.leaseMs, now, running) <= 0) return { verdict: 'open' as const, transition };
      breaker.probes.set(token, now);
      return { verdict: 'probe' as const, transition };
    }
    return { verdict: breaker.state === 'open' ? ('open' as const) : ('closed' as const), transition };
  }

  hold(queue: string, spec: BreakerSpec, token: string): () => void {
    const probes = this.breaker(queue, spec.name).probes;
    // this process is the one that runs the call: while it is here, so is the call
    if (probes.has(token)) probes.set(token, Infinity);
    return () => {
      if (probes.get(token) === Infinity) probes.set(token, Date.now());
    };
  }

  async record(queue: string, spec: BreakerSpec, token: string, succeeded: boolean): Promise<BreakerTransition | undefined> {
    const breaker = this.breaker(queue, spec.name);
    const now = Date.now();
    const made = breaker.current(spec, now);
    const transition = succeeded ? breaker.succeeded(token) : breaker.failed(spec, now);
    // parked jobs run at once
    if (transition?.to === 'closed') this.queueOf(queue).wake();
    return transition ?? made;
  }

  async set(queue: string, spec: BreakerSpec, action: 'open' | 'reset'): Promise<BreakerTransition | undefined> {
    const breaker = this.breaker(queue, spec.name);
    if (action === 'open') {
      const already = breaker.state === 'open' && breaker.byHand;
      const transition = breaker.open(Date.now(), true);
      return already ? undefined : transition;
    }
    const wasOpen = breaker.state !== 'closed';
    breaker.reset();
    this.queueOf(queue).wake();
    return wasOpen ? { breaker: spec.name, to: 'closed' } : undefined;
  }

  async read(queue: string, spec: BreakerSpec): Promise<BreakerReading> {
    const breaker = this.breaker(queue, spec.name);
    const due = breaker.state === 'open' && !breaker.byHand && Date.now() >= breaker.openedAt! + spec.resetTimeoutMs;
    return {
      state: breaker.state === 'half' || due ? 'half-open' : breaker.state,
      failures: breaker.failures.filter((at) => at > Date.now() - spec.windowMs).length,
      parked: this.queueOf(queue).parked.get(`bq:${spec.name}`)?.length ?? 0,
      probes: breaker.probes.size,
      openedAt: breaker.openedAt,
      byHand: breaker.byHand,
    };
  }

  private breaker(queue: string, name: string): MemoryBreaker {
    return MemoryBreaker.of(this.queueOf(queue).breakers, name);
  }
}
