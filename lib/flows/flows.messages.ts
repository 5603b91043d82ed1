/** What flows tell users: each says what went wrong and what to do. */

export const FLOW_INVALID = (path: string, problem: string) =>
  `flow(): the node at ${path} ${problem}. A node is { job: name or defineJob definition, data, options?, children?: node[] }.`;

export const FLOW_TOO_LARGE = (count: number, max: number) =>
  `flow(): the tree has more than ${max} jobs (${count} so far). Split it into several flows, or use batch() for a flat group.`;

export const FLOW_DUPLICATE_ID = (id: string) =>
  `flow(): a job with id "${id}" exists already, or the tree uses it twice; nothing was stored. Give each node a jobId of its own, or none.`;

export const FLOW_CROSS_SLOT = (queues: string[]) =>
  `flow(): on Redis Cluster every job of a flow (and every job named in dependsOn) must be in one queue, so that the flow is stored and settled in one hash slot; this one spans queues ${queues.map((queue) => `"${queue}"`).join(', ')}. Route its jobs to one queue with options.queue.`;

export const DEPENDS_ON_INVALID = (where: string, value: unknown) =>
  `${where} options: dependsOn must be an array of 1 to 1000 job ids as enqueue() returned them, got ${describeValue(value)}.`;

export const DEPENDS_ON_UNKNOWN = (where: string, id: string) =>
  `${where} options: dependsOn names job "${id}", which does not exist (never enqueued, or deleted by retention). Enqueue it first, or leave it out.`;

export const DEPENDS_ON_CYCLE = (where: string, id: string) =>
  `${where} options: dependsOn names "${id}", the job's own id: a job cannot wait for itself (a cycle). Remove it from dependsOn.`;

export const POLICY_INVALID = (where: string, value: unknown) =>
  `${where}: the failure policy must be 'fail-parent', 'ignore' or 'cancel-rest', got ${describeValue(value)}.`;

export const BATCH_ITEM_INVALID = (index: number) =>
  `batch(): item ${index} is not { name: job name or defineJob() definition, data, options? }; the items before it are stored, the batch is not sealed. Fix the item and call batch() again with the same batchId.`;

/** A value in a message: short, whatever it is (a huge or circular one included). */
function describeValue(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = Object.prototype.toString.call(value);
  }
  return text.length > 100 ? `${text.slice(0, 100)}...` : text;
}

export const FLOW_SWEEP_FAILED = (reason: string) =>
  `Could not deliver the flow notices left by a process that stopped (they are delivered at the next try): ${reason}`;

export const BATCH_ITEMS_INVALID = (items: unknown) =>
  `batch(): items must be an array (or any iterable, or async iterable) of { name, data, options? }, got ${typeof items}.`;

export const BATCH_EMPTY = 'batch(): a batch needs at least one item; nothing was stored.';

export const BATCH_CLOSED = (batchId: string) =>
  `batch(): "${batchId}" is the id of a job that is not an open batch: no item was added. Give a new batchId for a new batch.`;

export const BATCH_TOO_LARGE = (max: number) =>
  `batch(): a batch holds at most ${max} items; the items stored so far wait, unsealed. Split the work into several batches.`;
