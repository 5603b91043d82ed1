import type { JobState } from '../../interfaces/job-info.interface.js';
import type { NewJob } from '../new-job.interface.js';
import type { StoredJob } from '../stored-job.interface.js';

/**
 * What a child's failure (dead or cancelled) does to the job waiting on it: `fail-parent` sends the
 * parent to the dead-letter queue (reason `child failed`); `ignore` lets it run once all ended, and
 * see which failed; `cancel-rest` cancels the children not ended yet, then fails the parent.
 * @publicApi
 */
export type ChildFailurePolicy = 'fail-parent' | 'ignore' | 'cancel-rest';

/** One job of a flow as it is handed to storage, parents before their children. */
export interface NewFlowNode {
  /** For an `existing` node, only `id`, `name` and `queue` are read. */
  job: NewJob;
  /** Index of its parent in the list; -1 for none (the first node). */
  parent: number;
  policy: ChildFailurePolicy;
  /** A job stored already, which its parent waits on (`dependsOn`). */
  existing?: boolean;
  /** The first node only: a batch's parent stored already and still open, which the other nodes join as children. */
  append?: boolean;
  /** A new parent that waits for more children (a batch's) until `seal`, even with none yet. */
  open?: boolean;
}

export type FlowCreation =
  | { outcome: 'created' }
  /** The first node's id is stored already: a resend of the same call, nothing changed. */
  | { outcome: 'exists' }
  /** A new node's id is taken, or an existing node is not stored: nothing was written. */
  | { outcome: 'duplicate' | 'unknown' | 'closed'; id: string }
  /** On Redis Cluster, the flow's queues are in more than one hash slot: nothing was written. */
  | { outcome: 'cross-slot'; queues: string[] };

/** One job of a flow as storage reads it, with how it ended as its parent recorded it. */
export interface StoredFlowNode {
  id: string;
  queue: string;
  /** '' for the node read from. */
  parentId: string;
  policy: ChildFailurePolicy | '';
  name: string;
  /** null once retention deleted it (its `ended` is still known), or when it was not read. */
  job: StoredJob | null;
  /** How it ended, as recorded for its parent: state and result JSON (completed) or message. */
  ended?: { state: JobState; text: string };
}

/** Where flows live: one atomic step stores a whole tree; settlements tell parents (see lib-flow.lua). */
export interface FlowStore {
  /** Stores every node or none. */
  create(nodes: NewFlowNode[]): Promise<FlowCreation>;
  /**
   * The node `id` of `queue` and the nodes below it, at most `max`; `shallow`: only its own children,
   * without their jobs (what a parent's handler reads).
   */
  read(queue: string, id: string, options: { shallow: boolean; max: number }): Promise<StoredFlowNode[]>;
  /**
   * Delivers what the queue's jobs left for parents in other queues and not delivered yet (the
   * process that settled them died first); each settlement that leaves some delivers it at once.
   */
  drain(queue: string): Promise<void>;
  /** An open parent takes no more children, and runs once those it has ended; false if no open parent has that id. */
  seal(queue: string, id: string): Promise<boolean>;
}
