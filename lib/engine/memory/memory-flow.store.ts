import { isFinal } from '../storage-engine.interface.js';
import type { FlowCreation, FlowStore, NewFlowNode, StoredFlowNode } from '../ports/flow-store.interface.js';
import type { JobState } from '../../interfaces/job-info.interface.js';
import { recordError } from './memory-error.history.js';
import type { MemoryFlowRecord, MemoryJob } from './memory-job.interface.js';
import { toMemoryJob, toStoredJob } from './memory-job.mapper.js';
import type { MemoryQueue } from './memory-queue.js';

/** Flows in memory, with the Redis engine's semantics (see lib-flow.lua), each change one synchronous step. */
export class MemoryFlowStore implements FlowStore {
  constructor(
    private readonly queues: Map<string, MemoryQueue>,
    private readonly queue: (name: string) => MemoryQueue,
  ) {}

  async create(nodes: NewFlowNode[]): Promise<FlowCreation> {
    for (const [n, { job, existing, append }] of nodes.entries()) {
      const stored = this.queues.get(job.queue)?.jobs.has(job.id) === true;
      if (append) {
        if (!this.queues.get(job.queue)?.jobs.get(job.id)?.open) return { outcome: 'closed', id: job.id };
        continue;
      }
      if (n === 1 && stored && nodes[0]!.append) return { outcome: 'exists' };
      if (existing && !stored) return { outcome: 'unknown', id: job.id };
      if (!existing && stored) return n === 0 ? { outcome: 'exists' } : { outcome: 'duplicate', id: job.id };
    }
    const now = Date.now();
    const kids = new Map<number, number[]>();
    nodes.forEach(({ parent }, n) => parent >= 0 && kids.set(parent, [...(kids.get(parent) ?? []), n]));
    const ended: [MemoryJob, string, string, NewFlowNode['policy']][] = [];
    for (const [n, node] of nodes.entries()) {
      const queue = this.queue(node.job.queue);
      const parent = nodes[node.parent]?.job;
      const link: [string, string, NewFlowNode['policy']] | undefined = parent && [parent.id, parent.queue, node.policy];
      if (node.append) {
        const parent = queue.jobs.get(node.job.id)!;
        const added = (kids.get(n) ?? []).map((c) => ({ id: nodes[c]!.job.id, queue: nodes[c]!.job.queue, policy: nodes[c]!.policy, name: nodes[c]!.job.name }));
        queue.flows.get(parent.id)!.children.push(...added);
        parent.waitingChildren! += added.length;
        continue;
      }
      if (node.existing) {
        const job = queue.jobs.get(node.job.id)!;
        if (isFinal(job.state)) ended.push([job, parent!.queue, parent!.id, node.policy]);
        else (job.parents ??= []).push(link!);
        continue;
      }
      const job = toMemoryJob(node.job, now);
      if (link) job.parents = [link];
      queue.jobs.set(job.id, job);
      const children = kids.get(n);
      if (children || node.open) {
        job.state = 'waiting-children';
        job.waitingChildren = children?.length ?? 0;
        if (node.open) job.open = true;
        queue.waitingParents++;
        const list = (children ?? []).map((c) => ({ id: nodes[c]!.job.id, queue: nodes[c]!.job.queue, policy: nodes[c]!.policy, name: nodes[c]!.job.name }));
        queue.flows.set(job.id, { children: list, outcomes: new Map() });
      } else if (node.job.delayMs > 0) {
        job.state = 'delayed';
        job.runAt = now + node.job.delayMs;
        queue.delayed.set(job.id, job.runAt);
        queue.wake();
      } else {
        queue.line.push(job, false);
        queue.wake();
      }
    }
    for (const [job, queue, parentId, policy] of ended) this.deliver(queue, parentId, job.id, job.state, endText(job), policy);
    return { outcome: 'created' };
  }

  async read(queueName: string, id: string, options: { shallow: boolean; max: number }): Promise<StoredFlowNode[]> {
    const nodes: StoredFlowNode[] = [];
    const todo: Omit<StoredFlowNode, 'job'>[] = [{ id, queue: queueName, parentId: '', policy: '', name: '' }];
    for (let k = 0; k < todo.length && nodes.length < options.max; k++) {
      const node = todo[k]!;
      const queue = this.queues.get(node.queue);
      const job = queue?.jobs.get(node.id);
      const ended = node.parentId ? this.queues.get(todo.find((other) => other.id === node.parentId)!.queue)?.flows.get(node.parentId)?.outcomes.get(node.id) : undefined;
      nodes.push({ ...node, name: node.name || job?.name || '', job: job && !options.shallow ? toStoredJob(node.queue, job) : null, ...(ended ? { ended: { ...ended } } : {}) });
      if (options.shallow && k > 0) continue;
      for (const child of queue?.flows.get(node.id)?.children ?? []) {
        todo.push({ id: child.id, queue: child.queue, parentId: node.id, policy: child.policy, name: child.name });
      }
    }
    return nodes;
  }

  /** Nothing waits: a settlement tells parents in other queues in the same step. */
  async drain(): Promise<void> {}

  async seal(queueName: string, id: string): Promise<boolean> {
    const queue = this.queues.get(queueName);
    const parent = queue?.jobs.get(id);
    if (!queue || !parent?.open) return false;
    delete parent.open;
    if (parent.state === 'waiting-children' && parent.waitingChildren! <= 0) this.settleParent(queue, parent, queue.flows.get(id)!);
    return true;
  }

  /** A job others wait on ended: each of them is told. */
  ended(job: MemoryJob): void {
    for (const [parentId, queue, policy] of job.parents ?? []) this.deliver(queue, parentId, job.id, job.state, endText(job), policy);
  }

  /** A child left the dead-letter queue: pending again; a parent that died for a failed child waits again. */
  resumed(job: MemoryJob): void {
    for (const [parentId, queueName] of job.parents ?? []) {
      const queue = this.queues.get(queueName);
      const parent = queue?.jobs.get(parentId);
      if (!queue?.flows.get(parentId)?.outcomes.delete(job.id) || !parent || parent.waitingChildren === undefined) continue;
      parent.waitingChildren++;
      if (parent.state === 'dead' && parent.deadReason === 'child failed') {
        queue.dead.splice(queue.dead.indexOf(parentId), 1);
        parent.state = 'waiting-children';
        delete parent.deadReason;
        delete parent.finishedAt;
        queue.waitingParents++;
      }
    }
  }

  private deliver(queueName: string, parentId: string, childId: string, state: JobState, text: string, policy: NewFlowNode['policy']): void {
    const queue = this.queues.get(queueName);
    const record = queue?.flows.get(parentId);
    if (!queue || !record || record.outcomes.has(childId)) return;
    record.outcomes.set(childId, { state, text });
    const parent = queue.jobs.get(parentId);
    if (!parent || parent.waitingChildren === undefined) return;
    parent.waitingChildren--;
    const failed = (state === 'dead' || state === 'cancelled') && policy !== 'ignore';
    if (parent.state === 'waiting-children' && (parent.waitingChildren <= 0 || failed)) this.settleParent(queue, parent, record);
  }

  private settleParent(queue: MemoryQueue, parent: MemoryJob, record: MemoryFlowRecord): void {
    const now = Date.now();
    const failed = record.children.find(({ id, policy }) => {
      const state = record.outcomes.get(id)?.state;
      return (state === 'dead' || state === 'cancelled') && policy !== 'ignore';
    });
    queue.waitingParents--;
    if (!failed) {
      if (parent.waitingChildren! > 0 || parent.open) return void queue.waitingParents++;
      delete parent.waitingChildren;
      queue.line.push(parent, false);
      queue.wake();
      return;
    }
    const message = `Child job ${failed.id} failed: ${record.outcomes.get(failed.id)!.text}`;
    recordError(parent, { attempt: parent.attempts, name: 'ChildFailedError', message, at: now });
    queue.toDead(parent, now, 'child failed');
    if (failed.policy !== 'cancel-rest') return;
    for (const child of record.children) if (!record.outcomes.has(child.id)) this.queues.get(child.queue)?.cancel(child.id, now);
  }
}

/** What a parent keeps of how a child ended: its result JSON, its skip reason, or its last error. */
function endText(job: MemoryJob): string {
  if (job.state === 'completed') return job.result ?? '';
  if (job.state === 'skipped') return job.skipReason ?? '';
  return job.errors.at(-1)?.message ?? job.deadReason ?? job.state;
}
