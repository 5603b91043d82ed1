import { Inject, Injectable } from '@nestjs/common';
import type { ChildFailurePolicy, StoredFlowNode } from '../../engine/ports/flow-store.interface.js';
import { STORAGE_ENGINE, type StorageEngine } from '../../engine/storage-engine.interface.js';
import type { StoredJob } from '../../engine/stored-job.interface.js';
import type { JobState } from '../../interfaces/job-info.interface.js';
import { StorageGateway } from '../../storage.gateway.js';
import { DashboardJobsReader } from './dashboard-jobs.reader.js';

/**
 * One job of a flow as the dashboard shows it: no payload, result or error text (the job's own
 * page has those, redacted), so a flow view sends nothing `redact` would hide.
 * @publicApi
 */
export interface DashboardFlowNode {
  id: string;
  name: string;
  queue: string;
  /** Its state now; once retention deleted it, how it ended as its parent recorded it. */
  state: JobState;
  /** Retention deleted the job: its page answers 404. */
  deleted?: true;
  /** What its failure does to its parent; absent on the root. */
  onFailure?: ChildFailurePolicy;
  /** The first `FLOW_CHILDREN_LISTED` (100) of its children, in the order the flow gave them. */
  children: DashboardFlowNode[];
  /** Children not listed: past the 100, or past the view's 1,000 nodes. */
  moreChildren: number;
  /** `moreChildren` is a lower bound: the node has more than `FLOW_CHILDREN_COUNTED` (10,000) children. */
  moreCapped?: true;
}

/**
 * `GET <path>/api/flows/:id`: the flow `id` belongs to, from its root down, bounded.
 * @publicApi
 */
export interface DashboardFlow {
  /** The job asked about. */
  id: string;
  root: DashboardFlowNode;
  /** Nodes listed in all (at most `FLOW_NODES_LISTED`). */
  nodes: number;
  /** Some node's children were left out (see each node's `moreChildren`). */
  capped: boolean;
}

/** Children listed per node. */
export const FLOW_CHILDREN_LISTED = 100;
/** Nodes listed in one view, all levels together. */
export const FLOW_NODES_LISTED = 1000;
/** Children counted, past the listed ones, to say how many more there are. */
export const FLOW_CHILDREN_COUNTED = 10_000;
/** Parents walked up from the job asked about to find the root. */
const FLOW_LEVELS_UP = 100;

/**
 * A flow for the dashboard: from the job asked about up to its root (following each job's first
 * waiting parent), then down level by level, one flow read per listed node (its job and its first
 * 100 children with theirs), pipelined per level; a node with more children is counted by one
 * shallow read of at most 10,000 of them.
 */
@Injectable()
export class DashboardFlowReader {
  constructor(
    @Inject(STORAGE_ENGINE) private readonly engine: StorageEngine,
    private readonly storage: StorageGateway,
    private readonly jobs: DashboardJobsReader,
  ) {}

  /** 404 (from `DashboardJobsReader.find`) when no job has the id. */
  async read(id: string): Promise<DashboardFlow> {
    const top = await this.rootOf(await this.jobs.find(id));
    const root: DashboardFlowNode = { id: top.id, name: top.name, queue: top.queue, state: top.state, children: [], moreChildren: 0 };
    let listed = 1;
    let capped = false;
    for (let level = [root]; level.length > 0; ) {
      const reads = await Promise.all(level.map((node) => this.read1(node.queue, node.id, 1 + FLOW_CHILDREN_LISTED)));
      const next: DashboardFlowNode[] = [];
      for (const [k, node] of level.entries()) {
        const read = reads[k]!;
        const kids = read.filter((child) => child.parentId === node.id);
        const room = Math.max(0, Math.min(FLOW_CHILDREN_LISTED, FLOW_NODES_LISTED - listed));
        node.children = kids.slice(0, room).map(toNode);
        listed += node.children.length;
        next.push(...node.children);
        // the read stopped at its max: there may be more than it returned
        const total = read.length < 1 + FLOW_CHILDREN_LISTED ? kids.length : await this.countChildren(node);
        node.moreChildren = Math.max(0, total - node.children.length);
        if (total > FLOW_CHILDREN_COUNTED) node.moreCapped = true;
        if (node.moreChildren > 0) capped = true;
      }
      level = next;
    }
    return { id, root, nodes: listed, capped };
  }

  /** The top of the flow `job` is in: its first parent's first parent ..., at most FLOW_LEVELS_UP up. */
  private async rootOf(job: StoredJob): Promise<StoredJob> {
    const seen = new Set([job.id]);
    let top = job;
    for (let up = 0; up < FLOW_LEVELS_UP && top.parents?.length; up++) {
      const parentId = top.parents[0]!;
      if (seen.has(parentId)) break;
      seen.add(parentId);
      const parent = await this.jobs.find(parentId).catch(() => null);
      // a parent deleted by retention: the flow is shown from the highest job still stored
      if (!parent) break;
      top = parent;
    }
    return top;
  }

  private read1(queue: string, id: string, max: number): Promise<StoredFlowNode[]> {
    return this.storage.call(this.engine.flows.read(queue, id, { shallow: false, max }));
  }

  /** How many children the node has, up to FLOW_CHILDREN_COUNTED + 1: ids and outcomes only, no job read. */
  private async countChildren(node: DashboardFlowNode): Promise<number> {
    const read = await this.storage.call(this.engine.flows.read(node.queue, node.id, { shallow: true, max: 2 + FLOW_CHILDREN_COUNTED }));
    return read.length - 1;
  }
}

function toNode(stored: StoredFlowNode): DashboardFlowNode {
  const node: DashboardFlowNode = {
    id: stored.id,
    name: stored.job?.name ?? stored.name,
    queue: stored.queue,
    state: stored.job?.state ?? stored.ended?.state ?? 'completed',
    children: [],
    moreChildren: 0,
  };
  if (!stored.job) node.deleted = true;
  if (stored.policy) node.onFailure = stored.policy;
  return node;
}
