import { createHash } from 'node:crypto';
import { ConflictException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import type { IdPage, ListedState } from '../../engine/ports/dashboard-store.interface.js';
import { STORAGE_ENGINE, type StorageEngine } from '../../engine/storage-engine.interface.js';
import type { StoredJob } from '../../engine/stored-job.interface.js';
import { JobsService } from '../../jobs.service.js';
import { StorageGateway } from '../../storage.gateway.js';
import { DASHBOARD_CONFIG, MAX_PAGE } from '../dashboard.constants.js';
import type { DashboardConfig } from '../dashboard.config.js';
import { DASHBOARD_GROUP_NOT_FOUND, DASHBOARD_JOB_NOT_FOUND, DASHBOARD_UNKNOWN_QUEUE } from '../dashboard.messages.js';
import { redacted, searchText, toSummary, type DashboardJobSummary } from './dashboard-job.view.js';

/**
 * A page of a queue's jobs; with a search, how many jobs it looked at and whether it stopped at `searchLimit`.
 * @publicApi
 */
export interface DashboardJobPage {
  jobs: DashboardJobSummary[];
  next: string | null;
  scanned?: number;
  capped?: boolean;
}

/**
 * Dead jobs of one queue that died of the same error message (`key`: a hash of both).
 * @publicApi
 */
export interface DeadLetterGroup {
  key: string;
  queue: string;
  message: string;
  count: number;
  newest: number;
  oldest: number;
  sampleIds: string[];
}

/** Jobs a bulk action goes through at most, in pages of MAX_PAGE. */
const MAX_BULK = 10_000;

/**
 * The dashboard's view of jobs: pages by state, capped search, one job, dead letters grouped by
 * error. Each page is one range read and one read of its jobs; a search or a grouping reads at
 * most `searchLimit` / `groupLimit` jobs and says when it stopped there.
 */
@Injectable()
export class DashboardJobsReader {
  constructor(
    @Inject(DASHBOARD_CONFIG) private readonly config: DashboardConfig,
    @Inject(STORAGE_ENGINE) private readonly engine: StorageEngine,
    private readonly storage: StorageGateway,
    private readonly jobs: JobsService,
  ) {}

  async assertQueue(queue: string): Promise<void> {
    if (!(await this.storage.queues()).includes(queue)) throw new NotFoundException(DASHBOARD_UNKNOWN_QUEUE(queue));
  }

  async list(queue: string, state: ListedState, cursor: string | null, limit: number, q?: string): Promise<DashboardJobPage> {
    await this.assertQueue(queue);
    if (q === undefined || q === '') {
      const page: IdPage = await this.storage.call(this.engine.dashboard.page(queue, state, cursor, limit));
      const jobs = await this.storage.call(this.engine.dashboard.read(queue, page.ids));
      return { jobs: jobs.map((job) => toSummary(job, this.config)), next: page.next };
    }
    const found = await this.search(queue, state, cursor, limit, q, this.config.searchLimit);
    return { ...found, jobs: found.jobs.map((job) => toSummary(job, this.config)) };
  }

  /**
   * Jobs of the state whose id is `q`, whose name starts with it, or whose (redacted) payload
   * holds it, from `cursor` on, looking at `max` jobs at most.
   */
  private async search(queue: string, state: ListedState, cursor: string | null, limit: number, q: string, max: number) {
    const needle = q.toLowerCase();
    const matches: StoredJob[] = [];
    if (cursor === null) {
      const [exact] = await this.storage.call(this.engine.dashboard.read(queue, [q]));
      if (exact && exact.state === state) matches.push(exact);
    }
    let scanned = 0;
    let next = cursor;
    do {
      const page: IdPage = await this.storage.call(this.engine.dashboard.page(queue, state, next, Math.min(MAX_PAGE, max - scanned)));
      const jobs = await this.storage.call(this.engine.dashboard.read(queue, page.ids));
      scanned += page.ids.length;
      next = page.next;
      for (const job of jobs) {
        if (job.id === q) continue;
        if (job.name.toLowerCase().startsWith(needle) || searchText(redacted(job, this.config)).toLowerCase().includes(needle)) matches.push(job);
      }
    } while (next !== null && scanned < max && matches.length < limit);
    return { jobs: matches.slice(0, limit), next, scanned, capped: next !== null && scanned >= max };
  }

  /** The stored job of `id`, in whichever queue; 404 if none. */
  async find(id: string): Promise<StoredJob> {
    for (const queue of await this.storage.queues()) {
      const job = await this.storage.call(this.engine.getJob(queue, id));
      if (job) return job;
    }
    throw new NotFoundException(DASHBOARD_JOB_NOT_FOUND(id));
  }

  /** A dead job is redriven; a delayed or retrying one runs now (promote). */
  async retry(id: string): Promise<{ retried: boolean }> {
    const job = await this.find(id);
    if (job.state === 'dead') return { retried: (await this.storage.call(this.engine.deadLetters.redrive(job.queue, [id]))).length === 1 };
    if (job.state === 'delayed' || job.state === 'failed') return { retried: await this.storage.call(this.engine.dashboard.promote(job.queue, id)) };
    throw new ConflictException(`Job "${id}" is ${job.state}: only a dead, delayed or failed job can be retried.`);
  }

  async promote(id: string): Promise<{ promoted: boolean }> {
    const job = await this.find(id);
    if (job.state !== 'delayed' && job.state !== 'failed') throw new ConflictException(`Job "${id}" is ${job.state}: only a delayed or failed job can be promoted.`);
    return { promoted: await this.storage.call(this.engine.dashboard.promote(job.queue, id)) };
  }

  async cancel(id: string): Promise<{ cancelled: boolean }> {
    await this.find(id);
    return { cancelled: await this.jobs.cancel(id) };
  }

  /** Cancels, retries or promotes every job of the state (matching `q`), going through MAX_BULK at most. */
  async bulk(queue: string, action: 'cancel' | 'retry' | 'promote', state: ListedState, q?: string) {
    await this.assertQueue(queue);
    const ids: string[] = [];
    let scanned = 0;
    let capped = false;
    if (q) {
      const found = await this.search(queue, state, null, MAX_BULK, q, MAX_BULK);
      ids.push(...found.jobs.map((job) => job.id));
      scanned = found.scanned;
      capped = found.capped;
    } else {
      // ids first, then act: acting while paging would shift the pages under it
      let cursor: string | null = null;
      do {
        const page: IdPage = await this.storage.call(this.engine.dashboard.page(queue, state, cursor, MAX_PAGE));
        ids.push(...page.ids);
        cursor = page.next;
      } while (cursor !== null && ids.length < MAX_BULK);
      scanned = ids.length;
      capped = cursor !== null;
    }
    let done = 0;
    if (action === 'retry' && state === 'dead') {
      for (let from = 0; from < ids.length; from += MAX_PAGE) {
        done += (await this.storage.call(this.engine.deadLetters.redrive(queue, ids.slice(from, from + MAX_PAGE)))).length;
      }
    } else {
      for (const id of ids) {
        if (action === 'cancel') done += (await this.storage.call(this.engine.cancel(queue, id))) === 'cancelled' ? 1 : 0;
        else done += (await this.storage.call(this.engine.dashboard.promote(queue, id))) ? 1 : 0;
      }
    }
    return { matched: ids.length, done, scanned, capped };
  }

  /** Dead jobs grouped by their last error's message, of one queue or all, the newest `groupLimit` of each queue. */
  async deadGroups(queue?: string): Promise<{ groups: DeadLetterGroup[]; ids: Map<string, string[]>; capped: boolean }> {
    const queues = queue === undefined ? await this.storage.queues() : [queue];
    if (queue !== undefined) await this.assertQueue(queue);
    const groups = new Map<string, DeadLetterGroup>();
    const ids = new Map<string, string[]>();
    let capped = false;
    for (const name of queues) {
      let cursor: string | null = null;
      let read = 0;
      do {
        const page: IdPage = await this.storage.call(this.engine.dashboard.page(name, 'dead', cursor, Math.min(MAX_PAGE, this.config.groupLimit - read)));
        const jobs = await this.storage.call(this.engine.dashboard.read(name, page.ids));
        read += page.ids.length;
        cursor = page.next;
        for (const job of jobs) {
          const message = redacted(job, this.config).errors.at(-1)?.message ?? job.deadReason ?? 'unknown error';
          const key = createHash('sha256').update(`${name}\0${message}`).digest('hex').slice(0, 16);
          const at = job.finishedAt ?? job.enqueuedAt;
          let group = groups.get(key);
          if (!group) {
            group = { key, queue: name, message: message.slice(0, this.config.maxTextLength), count: 0, newest: at, oldest: at, sampleIds: [] };
            groups.set(key, group);
            ids.set(key, []);
          }
          group.count++;
          group.newest = Math.max(group.newest, at);
          group.oldest = Math.min(group.oldest, at);
          if (group.sampleIds.length < 5) group.sampleIds.push(job.id);
          ids.get(key)!.push(job.id);
        }
      } while (cursor !== null && read < this.config.groupLimit);
      if (cursor !== null) capped = true;
    }
    return { groups: [...groups.values()].sort((a, b) => b.count - a.count || b.newest - a.newest), ids, capped };
  }

  /** Redrives or purges the dead jobs of one group (as `deadGroups` finds it now). */
  async groupAction(key: string, action: 'redrive' | 'purge'): Promise<{ redriven?: number; purged?: number }> {
    const { groups, ids } = await this.deadGroups();
    const group = groups.find((candidate) => candidate.key === key);
    if (!group) throw new NotFoundException(DASHBOARD_GROUP_NOT_FOUND(key));
    const members = ids.get(key)!;
    let count = 0;
    for (let from = 0; from < members.length; from += MAX_PAGE) {
      const part = members.slice(from, from + MAX_PAGE);
      if (action === 'redrive') count += (await this.storage.call(this.engine.deadLetters.redrive(group.queue, part))).length;
      else count += await this.storage.call(this.engine.deadLetters.purge(group.queue, part));
    }
    return action === 'redrive' ? { redriven: count } : { purged: count };
  }
}
