import { Inject, Injectable } from '@nestjs/common';
import { assertKnownKeys, assertQueueName, integer } from '../background-options.checks.js';
import { DEAD_LETTER_TARGET, INVALID_OPTION, JOB_NAME_MISSING } from '../background.messages.js';
import type { FlowStore } from '../engine/ports/flow-store.interface.js';
import { STORAGE_ENGINE, type StorageEngine } from '../engine/storage-engine.interface.js';
import { StorageGateway } from '../storage.gateway.js';
import { toJobInfo } from '../engine/stored-job.mapper.js';
import { InvalidOptionsError } from '../errors/invalid-options.error.js';
import type { JobInfo } from '../interfaces/job-info.interface.js';
import type { DeadEntry, DeadLetterStore } from '../engine/ports/dead-letter-store.interface.js';
import type { DeadLetterFilter, ListDeadOptions } from './dead-letter-filter.interface.js';

const FILTER_KEYS = ['name', 'queue'] as const;
const LIST_KEYS = [...FILTER_KEYS, 'limit', 'offset'] as const;
const MAX_LIMIT = 1000;
/** Dead jobs redriven or purged per atomic step when a filter picks them. */
const BATCH = 500;

type QueuedEntry = DeadEntry & { queue: string };

/**
 * The dead-letter queue: jobs whose attempts ran out, that threw `UnrecoverableError`, that
 * `retryIf` refused, that stalled too often, or that no worker had a handler for. Look into it,
 * send jobs back to run again with fresh attempts, or delete them. `JobsService` offers the same
 * as `listDead`, `countDead`, `redrive` and `purgeDead`.
 * @publicApi
 */
@Injectable()
export class DeadLetterService {
  private readonly store: DeadLetterStore;
  private readonly flows: FlowStore;

  constructor(
    @Inject(STORAGE_ENGINE) engine: StorageEngine,
    private readonly storage: StorageGateway,
  ) {
    this.store = engine.deadLetters;
    this.flows = engine.flows;
  }

  /**
   * Dead jobs, newest first, with why each died (`deadReason`) and every attempt's error. One
   * read of each queue's index and one of the jobs on the page, however many jobs are dead.
   */
  async list<TData = unknown, TResult = unknown>(options: ListDeadOptions = {}): Promise<JobInfo<TData, TResult>[]> {
    const where = 'listDead()';
    const { name, queues } = await this.resolve(where, options, LIST_KEYS);
    const limit = integer(where, 'limit', options.limit, 50, 1);
    if (limit > MAX_LIMIT) throw new InvalidOptionsError(INVALID_OPTION(where, 'limit', `an integer from 1 to ${MAX_LIMIT}`, limit));
    const offset = integer(where, 'offset', options.offset, 0, 0);
    // one queue pages in storage; several each give their newest offset + limit, merged here
    const [from, count] = queues.length === 1 ? [offset, limit] : [0, offset + limit];
    const pages = await this.storage.call(
      Promise.all(queues.map(async (queue) => (await this.store.page(queue, name, from, count)).map((entry) => ({ ...entry, queue })))),
    );
    const entries = queues.length === 1 ? pages[0]! : newestFirst(pages.flat()).slice(offset, offset + limit);
    const byQueue = new Map<string, string[]>();
    for (const { queue, id } of entries) byQueue.set(queue, [...(byQueue.get(queue) ?? []), id]);
    const jobs = await this.storage.call(Promise.all([...byQueue].map(([queue, ids]) => this.store.read(queue, ids))));
    const found = new Map(jobs.flat().map((job) => [`${job.queue}\n${job.id}`, job]));
    return entries.flatMap(({ queue, id }) => {
      const job = found.get(`${queue}\n${id}`);
      // redriven or purged between the two reads
      return job ? [toJobInfo<TData, TResult>(job)] : [];
    });
  }

  /** How many jobs are dead, of every queue or as the filter says. */
  async count(filter: DeadLetterFilter = {}): Promise<number> {
    const { name, queues } = await this.resolve('countDead()', filter, FILTER_KEYS);
    const counts = await this.storage.call(Promise.all(queues.map((queue) => this.store.count(queue, name))));
    return counts.reduce((sum, count) => sum + count, 0);
  }

  /**
   * Sends a dead job (by id: resolves whether it was dead) or every dead job the filter picks
   * (resolves how many) back to the end of its queue, with the same id and fresh attempts. Its
   * errors and logs stay; `redrives` records each trip, with why it had died.
   */
  redrive(id: string): Promise<boolean>;
  redrive(filter: DeadLetterFilter): Promise<number>;
  async redrive(target: string | DeadLetterFilter): Promise<boolean | number> {
    return this.apply('redrive()', target, async (queue, ids) => {
      const moved = await this.store.redrive(queue, ids);
      // a flow's child whose parent is in another queue: that parent waits for it again
      if (moved.length > 0) await this.flows.drain(queue);
      return moved.length;
    });
  }

  /** Deletes a dead job (resolves whether it was dead) or every dead job the filter picks (how many). */
  purge(id: string): Promise<boolean>;
  purge(filter?: DeadLetterFilter): Promise<number>;
  async purge(target: string | DeadLetterFilter = {}): Promise<boolean | number> {
    return this.apply('purgeDead()', target, (queue, ids) => this.store.purge(queue, ids));
  }

  private async apply(
    where: string,
    target: string | DeadLetterFilter,
    step: (queue: string, ids: string[]) => Promise<number>,
  ): Promise<boolean | number> {
    if (typeof target === 'string' && target !== '') {
      for (const queue of await this.storage.queues()) {
        if ((await this.storage.call(step(queue, [target]))) > 0) return true;
      }
      return false;
    }
    if (target === null || typeof target !== 'object') throw new InvalidOptionsError(DEAD_LETTER_TARGET(where, target));
    const { name, queues } = await this.resolve(where, target, FILTER_KEYS);
    let done = 0;
    for (const queue of queues) {
      // the jobs dead now, picked before any is changed and sent back oldest first: one that dies
      // again while this runs is not picked a second time
      const picked = new Set<string>();
      for (let from = 0; ; from += BATCH) {
        const page = await this.storage.call(this.store.page(queue, name, from, BATCH));
        for (const { id } of page) picked.add(id);
        if (page.length < BATCH) break;
      }
      const ids = [...picked].reverse();
      for (let i = 0; i < ids.length; i += BATCH) done += await this.storage.call(step(queue, ids.slice(i, i + BATCH)));
    }
    return done;
  }

  private async resolve(
    where: string,
    filter: ListDeadOptions,
    keys: readonly string[],
  ): Promise<{ name: string | undefined; queues: string[] }> {
    assertKnownKeys(where, filter, keys);
    const name = typeof filter.name === 'object' && filter.name !== null ? filter.name.name : filter.name;
    if (name !== undefined && (typeof name !== 'string' || name === '')) {
      throw new InvalidOptionsError(JOB_NAME_MISSING(`${where} filter`));
    }
    if (filter.queue !== undefined) assertQueueName(where, filter.queue);
    return { name, queues: filter.queue === undefined ? await this.storage.queues() : [filter.queue] };
  }
}

function newestFirst(entries: QueuedEntry[]): QueuedEntry[] {
  return entries.sort((a, b) => b.at - a.at);
}
