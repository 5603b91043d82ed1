import type { JobDefinition } from '../job.definition.js';

/**
 * Which dead jobs: of one job name, of one queue, or both; `{}` means every dead job.
 * @publicApi
 */
export interface DeadLetterFilter {
  /** A job name, or the `defineJob` definition of one. */
  name?: string | JobDefinition<any, any>;
  queue?: string;
}

/**
 * A page of the dead-letter queue, newest first.
 * @publicApi
 */
export interface ListDeadOptions extends DeadLetterFilter {
  /** @default 50 (at most 1000) */
  limit?: number;
  /** Dead jobs to skip, newest first. @default 0 */
  offset?: number;
}
