import type { JobPriority } from './background-options.interface.js';

/**
 * Options of one `enqueue` call; anything not given comes from `@Job` and then from `defaults`.
 * @publicApi
 */
export interface EnqueueOptions {
  priority?: JobPriority;
  /** Run no earlier than this many ms from now. */
  delayMs?: number;
  /** Run no earlier than this moment. */
  runAt?: Date | number;
  /** Makes the call idempotent: a second enqueue with the same id returns the first job. */
  jobId?: string;
  attempts?: number;
  timeoutMs?: number;
  /** Defaults to the queue of the `@Job` handler of that name, else `'default'`. */
  queue?: string;
}

/** @publicApi */
export interface EnqueueResult {
  id: string;
}

/** @publicApi */
export interface WaitForOptions {
  /** @default 30000 */
  timeoutMs?: number;
}
