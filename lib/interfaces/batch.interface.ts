import type { JobDefinition } from '../job.definition.js';
import type { EnqueueOptions } from './enqueue-options.interface.js';

/** One job of a batch. @publicApi */
export interface BatchItem<TData = unknown> {
  name: string | JobDefinition<TData, any>;
  data: TData;
  options?: Omit<EnqueueOptions, 'dependsOn' | 'onDependencyFailure'>;
}

/**
 * What a batch's callbacks receive as their data, and `getBatch` reports.
 * @publicApi
 */
export interface BatchSummary {
  batchId: string;
  total: number;
  completed: number;
  skipped: number;
  /** Dead or cancelled. */
  failed: number;
  /** Ids of the failed items, the first 1,000. */
  failedIds: string[];
}

/** @publicApi */
export interface BatchOptions {
  /** Run once every item ended, whatever became of them, with the `BatchSummary` as its data. */
  onComplete?: string | JobDefinition<BatchSummary, any>;
  /** Run once every item ended and none failed (dead or cancelled), with the `BatchSummary` as its data. */
  onSuccess?: string | JobDefinition<BatchSummary, any>;
  /**
   * Makes the call idempotent: the same id again adds only the items not stored yet (their ids are
   * `<batchId>:<index>` unless an item gives its own `jobId`), and a sealed batch is left as it is.
   */
  batchId?: string;
}

/** A batch as `getBatch(id)` reads it. @publicApi */
export interface BatchInfo extends BatchSummary {
  /** Items not ended yet. */
  pending: number;
  /** `running` until every item ended and the callbacks were enqueued, then `done`. */
  state: 'running' | 'done';
}
