import type { JobState } from '../../interfaces/job-info.interface.js';
import type { ChildFailurePolicy, FlowCreation, FlowStore, NewFlowNode, StoredFlowNode } from '../ports/flow-store.interface.js';
import { pairs, toStoredJob } from './redis-job.mapper.js';
import type { RedisClient } from './redis.client.js';
import { QUEUE_KEYS, type ScriptRunner } from './redis-scripts.js';

const POLICY_CODES: Record<ChildFailurePolicy, string> = { 'fail-parent': 'f', ignore: 'i', 'cancel-rest': 'c' };
const POLICIES: Record<string, ChildFailurePolicy> = { f: 'fail-parent', i: 'ignore', c: 'cancel-rest' };
/** Outbox entries taken per read, and how many reads one drain makes at most before the next settlement drains again. */
const DRAIN_BATCH = 500;
const DRAIN_ROUNDS = 100;

type FlowReadReply = [string, string, string, string, string, string[], string, string][];

/** What the flow store needs of its engine. */
export interface FlowStoreHost {
  /** Sends a script call again when its reply was lost (it must be idempotent). */
  resend<T>(send: () => Promise<T>): Promise<T>;
  cancel(queue: string, id: string): Promise<unknown>;
  /** Connects, and lists the queues in the cluster's list of queues (so that getJob finds their jobs). */
  ready(queues: string[]): Promise<void>;
}

/**
 * Flows in Redis: flow.lua stores a tree in one step; a settled child tells its parent in the same
 * step when both are in one queue, else through the child queue's outbox (base:fo), which `drain`
 * empties into the parents' queues (flow-deliver.lua).
 */
export class RedisFlowStore implements FlowStore {
  /** A cluster's scripts touch one slot: a flow's queues must share one. */
  private readonly cluster: boolean;

  constructor(
    private readonly client: RedisClient,
    private readonly run: ScriptRunner,
    private readonly prefix: string,
    private readonly configArgs: (string | number)[],
    private readonly host: FlowStoreHost,
  ) {
    this.cluster = client.isCluster;
  }

  async create(nodes: NewFlowNode[]): Promise<FlowCreation> {
    const queues = [...new Set(nodes.map((node) => node.job.queue))];
    if (queues.length > 1 && this.cluster) return { outcome: 'cross-slot', queues };
    await this.host.ready(queues);
    const index = new Map(queues.map((queue, at) => [queue, at + 1]));
    const encoded = nodes.map(({ job, parent, policy, existing, append, open }) => [
      index.get(job.queue)!,
      parent + 1,
      POLICY_CODES[policy],
      append ? 2 : existing ? 1 : 0,
      job.id,
      job.name,
      job.data,
      job.priority,
      job.maxAttempts,
      job.delayMs,
      job.timeoutMs,
      job.trace ?? '',
      open ? 1 : 0,
    ]);
    const keys = queues.slice(1).flatMap((queue) => QUEUE_KEYS.map((key) => `${this.base(queue)}:${key}`));
    const args = [...this.configArgs, JSON.stringify(encoded)];
    const reply = (await this.host.resend(() => this.run('flow', this.base(queues[0]!), args, keys))) as string | [string, string];
    if (reply === 'created+') for (const queue of queues) await this.drain(queue);
    if (reply === 'created' || reply === 'created+') return { outcome: 'created' };
    if (reply === 'exists') return { outcome: 'exists' };
    return { outcome: reply[0] as 'duplicate' | 'unknown' | 'closed', id: reply[1] };
  }

  async seal(queue: string, id: string): Promise<boolean> {
    const reply = await this.host.resend(() => this.run('flow-seal', this.base(queue), [...this.configArgs, id]));
    if (reply === 2) await this.drain(queue);
    return reply !== 0;
  }

  async read(queue: string, id: string, options: { shallow: boolean; max: number }): Promise<StoredFlowNode[]> {
    const base = this.base(queue);
    const reply = (await this.run('flow-read', base, [id, options.max, options.shallow ? '1' : '0'])) as FlowReadReply;
    const nodes: StoredFlowNode[] = [];
    for (const [nodeId, nodeBase, parentId, policy, name, flat, state, text] of reply) {
      const node: StoredFlowNode = {
        id: nodeId,
        queue: this.queueOf(nodeBase),
        parentId,
        policy: POLICIES[policy] ?? '',
        name,
        job: flat.length === 0 ? null : toStoredJob(this.queueOf(nodeBase), nodeId, pairs(flat), []),
        ...(state ? { ended: { state: state as JobState, text } } : {}),
      };
      nodes.push(node);
      // a child in another queue: its job and its own children are read there
      if (nodeBase !== base && !options.shallow && nodes.length < options.max) {
        const [self, ...below] = await this.read(node.queue, nodeId, { shallow: false, max: options.max - nodes.length });
        node.job = self?.job ?? null;
        nodes.push(...below);
      }
    }
    return nodes;
  }

  /** cancel.lua's outcome: 'cancelled+' when the job was a flow's that left work in the outbox, delivered here. */
  async afterCancel<T extends string>(queue: string, outcome: T | 'cancelled+'): Promise<T | 'cancelled'> {
    if (outcome !== 'cancelled+') return outcome;
    await this.drain(queue);
    return 'cancelled';
  }

  /**
   * Empties the outbox of `queue` into the queues of the parents it names, and cancels what a
   * `cancel-rest` child asked to; a parent that is itself a child elsewhere may fill its own
   * queue's outbox, which is drained next. Safe to run twice at once: each entry applies once.
   */
  async drain(queue: string): Promise<void> {
    const pending = [queue];
    for (let round = 0; round < DRAIN_ROUNDS && pending.length > 0; round++) {
      const from = this.base(pending.shift()!);
      const outbox = `${from}:fo`;
      const entries = await this.client.lrange(outbox, 0, DRAIN_BATCH - 1);
      const byParentQueue = new Map<string, string[]>();
      for (const raw of entries) {
        const entry = JSON.parse(raw) as string[];
        if (entry[0] === 'x') {
          await this.host.cancel(this.queueOf(entry[1]!), entry[2]!);
          await this.client.lrem(outbox, 1, raw);
        } else {
          const list = byParentQueue.get(entry[1]!) ?? [];
          list.push(raw);
          byParentQueue.set(entry[1]!, list);
        }
      }
      for (const [parentBase, list] of byParentQueue) {
        const more = await this.run('flow-deliver', parentBase, [...this.configArgs, ...list], [outbox]);
        if (more === 1) pending.push(this.queueOf(parentBase));
      }
      if (entries.length === DRAIN_BATCH) pending.push(this.queueOf(from));
    }
  }

  private base(queue: string): string {
    return `{${this.prefix}:${queue}}`;
  }

  private queueOf(base: string): string {
    return base.slice(this.prefix.length + 2, -1);
  }
}
