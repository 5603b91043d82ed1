import { Inject, Injectable } from '@nestjs/common';
import { BACKGROUND_CONFIG } from '../background.constants.js';
import type { BackgroundConfig } from '../background.config.js';
import { STORAGE_ENGINE, isFinal, type NewJob, type StorageEngine } from '../engine/storage-engine.interface.js';
import type { NewFlowNode } from '../engine/ports/flow-store.interface.js';
import { InvalidOptionsError } from '../errors/invalid-options.error.js';
import type { BatchInfo, BatchItem, BatchOptions, BatchSummary } from '../interfaces/batch.interface.js';
import type { JobContext } from '../interfaces/job-context.interface.js';
import { jobName } from '../job.definition.js';
import type { JobHandler } from '../registry/job-handler.registry.js';
import { RetryPolicy } from '../retry/retry.policy.js';
import { StorageGateway } from '../storage.gateway.js';
import { MAX_FLOW_JOBS, isJobRef, type JobLocator, type PrepareJob } from './flows.service.js';
import { BATCH_CLOSED, BATCH_EMPTY, BATCH_ITEM_INVALID, BATCH_ITEMS_INVALID, BATCH_TOO_LARGE, FLOW_CROSS_SLOT, FLOW_DUPLICATE_ID } from './flows.messages.js';

/** Items stored per atomic step: what a batch holds in memory at once. */
export const BATCH_CHUNK = 1000;
/** Failed ids a summary names. */
const FAILED_IDS_KEPT = 1000;

/** What a batch's parent job carries: its id and its callbacks, ready to store but for their data. */
interface BatchJobData {
  batchId: string;
  callbacks: { complete?: Omit<NewJob, 'data'>; success?: Omit<NewJob, 'data'> };
}

export function batchJobName(queue: string): string {
  return `bg:batch:${queue}`;
}

/**
 * Batches: a group of jobs stored in atomic chunks under one parent job of the module's own
 * (`bg:batch:<queue>`), which runs once every item ended and the batch was sealed, and stores the
 * callbacks with fixed ids (`<batchId>:complete`, `<batchId>:success`): however often that parent
 * runs (its worker killed), each callback is stored, and so runs, once.
 */
@Injectable()
export class BatchesService {
  constructor(
    @Inject(BACKGROUND_CONFIG) private readonly config: BackgroundConfig,
    @Inject(STORAGE_ENGINE) private readonly engine: StorageEngine,
    private readonly storage: StorageGateway,
  ) {}

  async batch(items: Iterable<BatchItem> | AsyncIterable<BatchItem>, options: BatchOptions, prepare: PrepareJob, newId: () => string): Promise<{ id: string }> {
    if (items === null || typeof items !== 'object' || !(Symbol.iterator in items || Symbol.asyncIterator in items)) {
      throw new InvalidOptionsError(BATCH_ITEMS_INVALID(items));
    }
    const batchId = options.batchId ?? newId();
    const callbacks: BatchJobData['callbacks'] = {};
    for (const [key, job] of [['complete', options.onComplete], ['success', options.onSuccess]] as const) {
      if (job === undefined) continue;
      const { data: _data, ...callback } = await prepare(jobName(job), {}, { jobId: `${batchId}:${key}` });
      callbacks[key] = callback;
    }
    let parent: NewJob | undefined;
    let chunk: NewJob[] = [];
    let index = 0;
    const flush = async () => {
      parent ??= await prepare(batchJobName(chunk[0]!.queue), { batchId, callbacks } satisfies BatchJobData, { jobId: batchId });
      const nodes: NewFlowNode[] = [{ job: parent, parent: -1, policy: 'ignore', open: true, append: index > chunk.length }];
      for (const job of chunk) nodes.push({ job, parent: 0, policy: 'ignore' });
      chunk = [];
      const creation = await this.storage.call(this.engine.flows.create(nodes));
      if (creation.outcome === 'duplicate') throw new InvalidOptionsError(FLOW_DUPLICATE_ID(creation.id));
      if (creation.outcome === 'cross-slot') throw new InvalidOptionsError(FLOW_CROSS_SLOT(creation.queues));
      if (creation.outcome === 'unknown') throw new InvalidOptionsError(BATCH_CLOSED(batchId));
      // sealed by an earlier call of the same batchId: it stored every item already
      return creation.outcome !== 'closed';
    };
    for await (const item of items) {
      if (index >= MAX_FLOW_JOBS) throw new InvalidOptionsError(BATCH_TOO_LARGE(MAX_FLOW_JOBS));
      if (item === null || typeof item !== 'object' || !isJobRef(item.name)) throw new InvalidOptionsError(BATCH_ITEM_INVALID(index));
      chunk.push(await prepare(jobName(item.name), item.data, { jobId: `${batchId}:${index}`, ...item.options }));
      index++;
      if (chunk.length === BATCH_CHUNK && !(await flush())) return { id: batchId };
    }
    if (chunk.length > 0 && !(await flush())) return { id: batchId };
    if (!parent) throw new InvalidOptionsError(BATCH_EMPTY);
    await this.storage.call(this.engine.flows.seal(parent.queue, batchId));
    return { id: batchId };
  }

  async getBatch(id: string, locate: JobLocator): Promise<BatchInfo | null> {
    const job = await locate(id);
    if (!job?.name.startsWith('bg:batch:')) return null;
    const nodes = await this.storage.call(this.engine.flows.read(job.queue, id, { shallow: true, max: MAX_FLOW_JOBS + 1 }));
    const summary = summarize(id, nodes.slice(1).map((node) => ({ id: node.id, state: node.ended?.state })));
    const ended = summary.completed + summary.skipped + summary.failed;
    return { ...summary, pending: summary.total - ended, state: isFinal(job.state) ? 'done' : 'running' };
  }

  /** The batch job's handler of one queue: each worker of it can run one. */
  handler(queue: string): JobHandler {
    return {
      name: batchJobName(queue),
      queue,
      target: 'BatchesService',
      internal: true,
      retry: new RetryPolicy(this.config.defaults.backoff, undefined, 'BatchesService'),
      invoke: async (data: unknown, ctx: JobContext) => {
        const { batchId, callbacks } = data as BatchJobData;
        const children = Object.values(await ctx.children());
        const summary = summarize(batchId, children);
        const text = JSON.stringify(summary);
        const jobs = [callbacks.complete, summary.failed === 0 ? callbacks.success : undefined].filter((job) => job !== undefined);
        if (jobs.length > 0) await this.storage.call(this.engine.enqueue(jobs.map((job) => ({ ...job, data: text }))));
        return summary;
      },
    };
  }
}

function summarize(batchId: string, children: { id: string; state?: string }[]): BatchSummary {
  const summary: BatchSummary = { batchId, total: children.length, completed: 0, skipped: 0, failed: 0, failedIds: [] };
  for (const child of children) {
    if (child.state === 'completed') summary.completed++;
    else if (child.state === 'skipped') summary.skipped++;
    else if (child.state === 'dead' || child.state === 'cancelled') {
      summary.failed++;
      if (summary.failedIds.length < FAILED_IDS_KEPT) summary.failedIds.push(child.id);
    }
  }
  return summary;
}
