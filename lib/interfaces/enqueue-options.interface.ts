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
  /**
   * Ids of stored jobs this one waits for: it is `waiting-children` until each ended (completed,
   * skipped, dead or cancelled), then runs. An unknown id, or the job's own, is refused at the call.
   * Not accepted by `enqueueMany`.
   */
  dependsOn?: string[];
  /**
   * What a job of `dependsOn` ending dead or cancelled does to this one (see `FlowNodeOptions.onFailure`).
   * @default 'fail-parent'
   */
  onDependencyFailure?: 'fail-parent' | 'ignore' | 'cancel-rest';
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
