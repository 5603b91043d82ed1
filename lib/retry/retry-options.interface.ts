import type { BackoffOptions } from '../interfaces/background-options.interface.js';

/**
 * A delay computed by the handler's own rule: milliseconds to wait before the attempt after
 * `attempt` (1-based), given the error that attempt failed with.
 * @publicApi
 */
export type BackoffFunction = (attempt: number, error: Error) => number;

/**
 * Options of `@Retry()`: the retry policy of the `@Job` on the same method. Each option left out
 * falls back to `defaults` of `BackgroundModule.forRoot()`.
 * @publicApi
 */
export interface RetryOptions {
  /**
   * Total attempts, the first run included. `enqueue(..., { attempts })` and `@Job({ attempts })`
   * take precedence over it; it takes precedence over `defaults.attempts`.
   */
  attempts?: number;
  /** Delays between attempts: the same shape as `defaults.backoff` (missing fields from there), or a function. */
  backoff?: BackoffOptions | BackoffFunction;
  /**
   * Whether an attempt that failed with `error` may be retried. False sends the job to the
   * dead-letter queue after this attempt, as `UnrecoverableError` does. @default every error is retried
   */
  retryIf?: (error: Error) => boolean;
}
