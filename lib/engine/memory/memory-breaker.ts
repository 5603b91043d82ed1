import type { BreakerSpec, BreakerTransition } from '../ports/breaker-store.interface.js';

/** One breaker of one queue in the memory engine: the steps of lib/breaker/lua/parts/breaker.lua. */
export class MemoryBreaker {
  state: 'closed' | 'open' | 'half' = 'closed';
  openedAt?: number;
  byHand = false;
  /** Times of failures while closed. */
  failures: number[] = [];
  /** Probes under way while half-open, by when each started. */
  readonly probes = new Map<string, number>();
  constructor(readonly name: string) {}

  /** The breaker `name` of a queue's `breakers`, closed until something opens it. */
  static of(breakers: Map<string, MemoryBreaker>, name: string): MemoryBreaker {
    let breaker = breakers.get(name);
    if (!breaker) {
      breaker = new MemoryBreaker(name);
      breakers.set(name, breaker);
    }
    return breaker;
  }

  /** The state now: an open breaker whose reset timeout has passed turns half-open. */
  current(spec: BreakerSpec, now: number): BreakerTransition | undefined {
    if (this.state === 'open' && !this.byHand && now >= this.openedAt! + spec.resetTimeoutMs) {
      this.state = 'half';
      return { breaker: this.name, to: 'half-open' };
    }
    return undefined;
  }

  failed(spec: BreakerSpec, now: number): BreakerTransition | undefined {
    if (this.state === 'half') return { ...this.open(now, false), reopened: true };
    if (this.state !== 'closed') return undefined;
    this.failures = this.failures.filter((at) => at > now - spec.windowMs);
    this.failures.push(now);
    return this.failures.length >= spec.failureThreshold ? this.open(now, false) : undefined;
  }

  /** One of a half-open breaker's probes closes it; a call that began before it opened proves nothing now. */
  succeeded(member: string): BreakerTransition | undefined {
    const probe = this.probes.delete(member);
    if (this.state !== 'half' || !probe) return undefined;
    this.reset();
    return { breaker: this.name, to: 'closed' };
  }

  /**
   * Probe slots left while half-open. A probe that held one for a lease no longer does (its worker
   * died, or a `run` caller went away), unless `running(member)` says its job still runs.
   */
  freeProbes(spec: BreakerSpec, leaseMs: number, now: number, running?: (member: string) => boolean): number {
    for (const [member, at] of this.probes) {
      if (at > now - leaseMs) continue;
      if (running?.(member)) this.probes.set(member, now);
      else this.probes.delete(member);
    }
    return spec.halfOpenProbes - this.probes.size;
  }

  open(now: number, byHand: boolean): BreakerTransition {
    this.state = 'open';
    this.openedAt = now;
    this.byHand = byHand;
    this.failures = [];
    this.probes.clear();
    return { breaker: this.name, to: 'open' };
  }

  reset(): void {
    this.state = 'closed';
    this.openedAt = undefined;
    this.byHand = false;
    this.failures = [];
    this.probes.clear();
  }
}
