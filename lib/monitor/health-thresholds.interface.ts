/**
 * When `BackgroundHealthIndicator.isHealthy` reports `down`. Every figure is reported whatever
 * the thresholds; open breakers alone make it `degraded` (HTTP 200), not `down`.
 * @publicApi
 */
export interface BackgroundHealthThresholds {
  /** Redis must answer a PING within this long. @default 1000 */
  maxPingMs?: number;
  /**
   * The oldest job ready to run in a queue (not delayed, not behind a breaker or a rate limit)
   * may have waited this long; one number for every queue, or per queue name (others: 60000).
   * @default 60000
   */
  maxWaitingMs?: number | Record<string, number>;
  /** Dead jobs, all queues together, above this are `down`. @default no limit */
  maxDeadLetters?: number;
  /**
   * A worker of this process whose claim loop has not turned for this long is down (an idle
   * worker turns at least once per `leaseMs`). @default 2 × leaseMs
   */
  workerStallMs?: number;
  /** More open breakers than this are `down`. @default no limit: open breakers make it `degraded` */
  maxOpenBreakers?: number;
}
