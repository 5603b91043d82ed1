/**
 * At most `max` jobs start per `perMs` milliseconds, across every process of the cluster (a fixed
 * window in storage). Jobs over the limit wait in storage, not in a worker.
 * @publicApi
 */
export interface RateLimitOptions {
  max: number;
  perMs: number;
}
