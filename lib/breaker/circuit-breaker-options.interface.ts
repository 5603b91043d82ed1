import type { CircuitBreakerState } from '../engine/ports/breaker-store.interface.js';
/**
 * When a circuit breaker opens and how it recovers.
 * @publicApi
 */
export interface CircuitBreakerOptions {
  /** Failures within `windowMs` that open the breaker. @default 5 */
  failureThreshold?: number;
  /** @default 60000 */
  windowMs?: number;
  /** How long an open breaker waits before letting probes through (half-open). @default 30000 */
  resetTimeoutMs?: number;
  /** Jobs or calls that may run at once, across the cluster, while it is half-open. @default 1 */
  halfOpenProbes?: number;
}

export type { CircuitBreakerState } from '../engine/ports/breaker-store.interface.js';

/**
 * One breaker as the runtime API reports it.
 * @publicApi
 */
export interface CircuitBreakerInfo {
  name: string;
  /** The queue whose handlers run behind it; its state lives with that queue's jobs. */
  queue: string;
  state: CircuitBreakerState;
  /** Failures counted within the window while closed. */
  failures: number;
  /** Jobs parked behind it, waiting for it to close (shown as `waiting`). */
  parked: number;
  /** Probes under way while half-open. */
  probes: number;
  openedAt?: Date;
  /** Opened with `open(name)`: it stays open until `reset(name)`. */
  openedByHand: boolean;
  options: Required<CircuitBreakerOptions>;
}
