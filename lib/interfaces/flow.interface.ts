import type { ChildFailurePolicy } from '../engine/ports/flow-store.interface.js';
import type { JobDefinition } from '../job.definition.js';
import type { EnqueueOptions } from './enqueue-options.interface.js';
import type { JobInfo, JobState } from './job-info.interface.js';

export type { ChildFailurePolicy };

/**
 * Options of one node of a flow: those of `enqueue`, and what this node's failure does to its parent.
 * @publicApi
 */
export interface FlowNodeOptions extends EnqueueOptions {
  /**
   * When this job ends dead or cancelled: `fail-parent` sends the parent to the dead-letter queue
   * (reason `child failed`, naming this job); `ignore` lets the parent run once all its children
   * ended, and see which failed; `cancel-rest` cancels its siblings not ended yet and fails the parent.
   * @default 'fail-parent'
   */
  onFailure?: ChildFailurePolicy;
}

/**
 * One job of a flow: it runs once every one of its `children` ended (they run first, in parallel).
 * @publicApi
 */
export interface FlowNode<TData = unknown> {
  job: string | JobDefinition<TData, any>;
  data: TData;
  options?: FlowNodeOptions;
  children?: FlowNode<any>[];
}

/** The ids `flow()` gave the tree's jobs, in the shape of the tree. @publicApi */
export interface FlowResult {
  id: string;
  children: FlowResult[];
}

/**
 * How a child ended, as its parent's handler reads it (`ctx.children()`): kept with the parent, so
 * retention deleting the child loses nothing.
 * @publicApi
 */
export interface ChildOutcome<TResult = unknown> {
  id: string;
  name: string;
  queue: string;
  /** `completed`, `skipped`, `dead` or `cancelled`; another state if it has not ended (the parent was redriven by hand). */
  state: JobState;
  result?: TResult;
  /** The last error of a dead child, or 'cancelled'. */
  error?: string;
  skipReason?: string;
  /** What its failure does to the parent. */
  onFailure: ChildFailurePolicy;
}

/** A flow as `getFlow(id)` reads it, from `id` down, each job with its state. @publicApi */
export interface FlowInfo {
  id: string;
  name: string;
  queue: string;
  /** Its state now, or how it ended when retention deleted it already. */
  state: JobState;
  /** null once retention deleted it. */
  job: JobInfo | null;
  /** What its failure does to its parent; absent on the node read from. */
  onFailure?: ChildFailurePolicy;
  /** How it ended, as recorded for its parent. */
  result?: unknown;
  error?: string;
  children: FlowInfo[];
}
