import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { BACKGROUND_CONFIG, ROUTE_REFRESH_MS } from '../background.constants.js';
import type { BackgroundConfig } from '../background.config.js';
import { STORAGE_ENGINE, isFinal, type NewJob, type StorageEngine } from '../engine/storage-engine.interface.js';
import type { ChildFailurePolicy, NewFlowNode, StoredFlowNode } from '../engine/ports/flow-store.interface.js';
import type { StoredJob } from '../engine/stored-job.interface.js';
import { toJobInfo } from '../engine/stored-job.mapper.js';
import { InvalidOptionsError } from '../errors/invalid-options.error.js';
import type { EnqueueOptions } from '../interfaces/enqueue-options.interface.js';
import type { FlowInfo, FlowNode, FlowResult } from '../interfaces/flow.interface.js';
import { jobName } from '../job.definition.js';
import { deserialize } from '../payload/payload.codec.js';
import { StorageGateway } from '../storage.gateway.js';
import { RepeatingTimer } from '../worker/repeating-timer.js';
import {
  DEPENDS_ON_CYCLE,
  DEPENDS_ON_INVALID,
  DEPENDS_ON_UNKNOWN,
  FLOW_CROSS_SLOT,
  FLOW_DUPLICATE_ID,
  FLOW_INVALID,
  FLOW_SWEEP_FAILED,
  FLOW_TOO_LARGE,
  POLICY_INVALID,
} from './flows.messages.js';

/** The most jobs one flow (or one `getFlow` read) holds: one atomic step stores them all. */
export const MAX_FLOW_JOBS = 100_000;
/** The most jobs one `dependsOn` names: each is looked up at the call. */
export const MAX_DEPENDS_ON = 1000;
const POLICIES: readonly ChildFailurePolicy[] = ['fail-parent', 'ignore', 'cancel-rest'];

/** A job validated and routed as `enqueue` would store it (JobPreparer.prepare, as JobsService passes it). */
export type PrepareJob = (name: string, data: unknown, options: EnqueueOptions) => NewJob | Promise<NewJob>;
/** The stored job of an id, in whichever queue, or null. */
export type JobLocator = (id: string) => Promise<StoredJob | null>;

/**
 * Jobs that wait for other jobs: flows (a tree stored in one atomic step, each parent run once its
 * children ended), `dependsOn`, and reading a flow back. `JobsService.flow`, `getFlow` and
 * `enqueue(..., { dependsOn })` delegate here.
 */
@Injectable()
export class FlowsService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Background');
  private sweepTimer?: RepeatingTimer;

  constructor(
    @Inject(STORAGE_ENGINE) private readonly engine: StorageEngine,
    @Inject(BACKGROUND_CONFIG) private readonly config: BackgroundConfig,
    private readonly storage: StorageGateway,
  ) {}

  /**
   * A process that died between settling a child and telling its parent in another queue left
   * that in storage: workers deliver it when they start, and every ROUTE_REFRESH_MS after.
   */
  onApplicationBootstrap(): void {
    if (!this.config.workers) return;
    const sweep = () => this.sweep().catch((error: Error) => this.logger.debug(FLOW_SWEEP_FAILED(error.message)));
    void sweep();
    this.sweepTimer = new RepeatingTimer(ROUTE_REFRESH_MS, sweep, true).start();
  }

  onApplicationShutdown(): void {
    this.sweepTimer?.stop();
  }

  private async sweep(): Promise<void> {
    for (const queue of await this.storage.queues()) await this.engine.flows.drain(queue);
  }

  async flow(tree: FlowNode, prepare: PrepareJob): Promise<FlowResult> {
    const entries: { node: FlowNode; parent: number; path: string }[] = [{ node: tree, parent: -1, path: 'root' }];
    // breadth first: every parent is stored before its children, and no recursion to overflow
    for (let k = 0; k < entries.length; k++) {
      const { node, path } = entries[k]!;
      if (typeof node !== 'object' || node === null) throw new InvalidOptionsError(FLOW_INVALID(path, 'is not an object'));
      if (node.children !== undefined && !Array.isArray(node.children)) throw new InvalidOptionsError(FLOW_INVALID(path, 'has children that are not an array'));
      if (!isJobRef(node.job)) throw new InvalidOptionsError(FLOW_INVALID(path, 'has no job: give a job name or a defineJob() definition'));
      for (const [i, child] of (node.children ?? []).entries()) entries.push({ node: child, parent: k, path: `${path}.children[${i}]` });
      if (entries.length > MAX_FLOW_JOBS) throw new InvalidOptionsError(FLOW_TOO_LARGE(entries.length, MAX_FLOW_JOBS));
    }
    const nodes: NewFlowNode[] = await Promise.all(
      entries.map(async ({ node, parent, path }) => {
        const { onFailure, ...options } = node.options ?? {};
        return { job: await prepare(jobName(node.job), node.data, options), parent, policy: policyOf(`flow() node ${path} options.onFailure`, onFailure) };
      }),
    );
    const ids = new Set<string>();
    for (const { job } of nodes) {
      if (ids.has(job.id)) throw new InvalidOptionsError(FLOW_DUPLICATE_ID(job.id));
      ids.add(job.id);
    }
    await this.store(nodes);
    const results: FlowResult[] = nodes.map(({ job }) => ({ id: job.id, children: [] }));
    nodes.forEach(({ parent }, k) => parent >= 0 && results[parent]!.children.push(results[k]!));
    return results[0]!;
  }

  /** Stores a job to run once every job of `options.dependsOn` ended; refuses unknown ids and a job waiting on itself. */
  async dependOn(name: string, data: unknown, options: EnqueueOptions, prepare: PrepareJob, locate: JobLocator): Promise<{ id: string }> {
    const { dependsOn, onDependencyFailure: onFailure, ...rest } = options;
    const where = `enqueue('${name}')`;
    const job = await prepare(name, data, rest);
    const invalid = (id: unknown) => typeof id !== 'string' || id === '';
    if (!Array.isArray(dependsOn) || dependsOn.length === 0 || dependsOn.length > MAX_DEPENDS_ON || dependsOn.some(invalid)) {
      throw new InvalidOptionsError(DEPENDS_ON_INVALID(where, dependsOn));
    }
    const policy = policyOf(`${where} options.onDependencyFailure`, onFailure);
    const nodes: NewFlowNode[] = [{ job, parent: -1, policy }];
    for (const id of new Set(dependsOn as string[])) {
      if (id === job.id) throw new InvalidOptionsError(DEPENDS_ON_CYCLE(where, id));
      const found = await locate(id);
      if (!found) throw new InvalidOptionsError(DEPENDS_ON_UNKNOWN(where, id));
      nodes.push({ job: { ...job, id, name: found.name, queue: found.queue }, parent: 0, policy, existing: true });
    }
    await this.store(nodes, where);
    return { id: job.id };
  }

  /** The flow from `id` down, each job with its state, in one engine call per queue it spans. */
  async getFlow(id: string, locate: JobLocator): Promise<FlowInfo | null> {
    const root = await locate(id);
    if (!root) return null;
    const nodes = await this.storage.call(this.engine.flows.read(root.queue, id, { shallow: false, max: MAX_FLOW_JOBS }));
    const byId = new Map<string, FlowInfo>();
    let top: FlowInfo | null = null;
    for (const node of nodes) {
      const info = toFlowInfo(node);
      if (node.parentId) byId.get(node.parentId)?.children.push(info);
      else top ??= info;
      byId.set(node.id, info);
    }
    return top;
  }

  /** Cancels `id` and every job below it not ended yet, parents first (so no cancel fails a parent); how many it cancelled. */
  async cancelFlow(id: string, locate: JobLocator): Promise<number> {
    const flow = await this.getFlow(id, locate);
    let cancelled = 0;
    for (const node of flow ? flattenFlow(flow) : []) {
      if (!isFinal(node.state) && (await this.storage.call(this.engine.cancel(node.queue, node.id))) === 'cancelled') cancelled++;
    }
    return cancelled;
  }

  private async store(nodes: NewFlowNode[], where = 'flow()'): Promise<void> {
    const creation = await this.storage.call(this.engine.flows.create(nodes));
    if (creation.outcome === 'duplicate') throw new InvalidOptionsError(FLOW_DUPLICATE_ID(creation.id));
    if (creation.outcome === 'unknown') throw new InvalidOptionsError(DEPENDS_ON_UNKNOWN(where, creation.id));
    if (creation.outcome === 'cross-slot') throw new InvalidOptionsError(FLOW_CROSS_SLOT(creation.queues));
  }
}

/** A job name, or a `defineJob` definition. */
export function isJobRef(job: unknown): job is string | { name: string } {
  return (typeof job === 'string' && job !== '') || (typeof job === 'object' && job !== null && typeof (job as { name?: unknown }).name === 'string');
}

function policyOf(where: string, value: unknown): ChildFailurePolicy {
  if (value === undefined) return 'fail-parent';
  if (!POLICIES.includes(value as ChildFailurePolicy)) throw new InvalidOptionsError(POLICY_INVALID(where, value));
  return value as ChildFailurePolicy;
}

function toFlowInfo(node: StoredFlowNode): FlowInfo {
  const info: FlowInfo = {
    id: node.id,
    name: node.job?.name ?? node.name,
    queue: node.queue,
    state: node.job?.state ?? node.ended?.state ?? 'completed',
    job: node.job && toJobInfo(node.job),
    children: [],
  };
  if (node.policy) info.onFailure = node.policy;
  if (node.ended?.state === 'completed') info.result = deserialize(node.ended.text);
  else if (node.ended?.state === 'dead' || node.ended?.state === 'cancelled') info.error = node.ended.text;
  return info;
}

/** The nodes of a flow, each parent before its children. */
export function flattenFlow(root: FlowInfo): FlowInfo[] {
  const nodes = [root];
  for (let k = 0; k < nodes.length; k++) nodes.push(...nodes[k]!.children);
  return nodes;
}
