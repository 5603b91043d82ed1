import type { RateLimitOptions } from '../rate-limit/rate-limit-options.interface.js';
import type { JobPriority } from './background-options.interface.js';

/**
 * Options of `@Job(name, options)`.
 * @publicApi
 */
export interface JobOptions {
  /** @default 'default' */
  queue?: string;
  /**
   * At most this many runs of this handler at once in this process. A queue whose `concurrency` is
   * not set runs as many jobs at once as its largest handler concurrency (if more than the default);
   * one that is set still caps it.
   */
  concurrency?: number;
  priority?: JobPriority;
  timeoutMs?: number;
  /** Total attempts, the first run included. */
  attempts?: number;
  /** At most `max` of these jobs start per `perMs`, across the cluster; the others wait in storage. */
  rateLimit?: RateLimitOptions;
}
