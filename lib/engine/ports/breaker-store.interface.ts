/** @publicApi */
export type CircuitBreakerState = 'closed' | 'open' | 'half-open';

/** A breaker with every option resolved, as engines are given it. */
export interface BreakerSpec {
  name: string;
  failureThreshold: number;
  windowMs: number;
  resetTimeoutMs: number;
  halfOpenProbes: number;
}

/** What a breaker did: turned open, half-open (its reset timeout passed) or closed. */
export interface BreakerTransition {
  breaker: string;
  to: CircuitBreakerState;
  /** It opened again from half-open: a probe failed (not a count of failures). */
  reopened?: boolean;
}

export interface BreakerReading {
  state: CircuitBreakerState;
  failures: number;
  parked: number;
  probes: number;
  openedAt?: number;
  byHand: boolean;
}

/**
 * The state of each queue's breakers as an engine keeps it, for calls made outside jobs
 * (`run`) and the runtime API. Jobs pass through breakers inside the engine's claim.
 */
export interface BreakerStore {
  /** Whether a call may go through now; a half-open breaker lets it through as a probe, holding one of its slots as `token`. */
  enter(queue: string, spec: BreakerSpec, token: string): Promise<{ verdict: 'closed' | 'probe' | 'open'; transition?: BreakerTransition }>;
  /**
   * Keeps the slot of a probe call (`token`) for as long as it runs, beyond a lease, until the
   * returned function is called; a slot that is not kept frees up a lease after it was taken.
   */
  hold(queue: string, spec: BreakerSpec, token: string): () => void;
  /** The outcome of a call that went through. */
  record(queue: string, spec: BreakerSpec, token: string, succeeded: boolean): Promise<BreakerTransition | undefined>;
  /** Opens a breaker by hand (until reset) or resets it to closed, so that the jobs parked behind it run at once. */
  set(queue: string, spec: BreakerSpec, action: 'open' | 'reset'): Promise<BreakerTransition | undefined>;
  read(queue: string, spec: BreakerSpec): Promise<BreakerReading>;
}
