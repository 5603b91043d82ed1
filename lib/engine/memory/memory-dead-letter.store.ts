import type { MemoryJob } from './memory-job.interface.js';
import type { MemoryQueue } from './memory-queue.js';
import { toStoredJob } from './memory-job.mapper.js';
import type { StoredJob } from '../stored-job.interface.js';
import type { DeadEntry, DeadLetterStore } from '../ports/dead-letter-store.interface.js';

/** The dead-letter queue of the memory engine: each queue's `dead` ids, oldest first. */
export class MemoryDeadLetterStore implements DeadLetterStore {
  constructor(private readonly queues: ReadonlyMap<string, MemoryQueue>) {}

  async page(queue: string, name: string | undefined, from: number, count: number): Promise<DeadEntry[]> {
    const entries: DeadEntry[] = [];
    let skipped = 0;
    for (const job of this.newestFirst(queue, name)) {
      if (skipped++ < from) continue;
      if (entries.length === count) break;
      entries.push({ id: job.id, at: job.finishedAt! });
    }
    return entries;
  }

  async count(queue: string, name: string | undefined): Promise<number> {
    if (name === undefined) return this.queues.get(queue)?.dead.length ?? 0;
    let count = 0;
    for (const _ of this.newestFirst(queue, name)) count++;
    return count;
  }

  async read(queue: string, ids: string[]): Promise<StoredJob[]> {
    return this.dead(queue, ids).map((job) => toStoredJob(queue, job));
  }

  async redrive(queue: string, ids: string[]): Promise<string[]> {
    const store = this.queues.get(queue);
    if (!store) return [];
    const now = Date.now();
    const jobs = this.dead(queue, ids);
    for (const job of jobs) {
      store.dead.splice(store.dead.indexOf(job.id), 1);
      job.redrives.push({ at: now, deadReason: job.deadReason!, errorCount: job.errorCount ?? job.errors.length });
      job.attempts = 0;
      job.stalls = 0;
      for (const field of ['deadReason', 'finishedAt', 'runAt', 'startedAt', 'worker', 'suspected', 'noHandlerSince', 'result', 'progress', 'waitingChildren'] as const) {
        delete job[field];
      }
      store.line.push(job, false);
      if (job.parents) store.flowResumed?.(job);
    }
    if (jobs.length > 0) store.wake();
    return jobs.map((job) => job.id);
  }

  async purge(queue: string, ids: string[]): Promise<number> {
    const store = this.queues.get(queue);
    const jobs = this.dead(queue, ids);
    for (const job of jobs) {
      store!.dead.splice(store!.dead.indexOf(job.id), 1);
      store!.jobs.delete(job.id);
    }
    return jobs.length;
  }

  private *newestFirst(queue: string, name: string | undefined): Generator<MemoryJob> {
    const store = this.queues.get(queue);
    if (!store) return;
    for (let i = store.dead.length - 1; i >= 0; i--) {
      const job = store.jobs.get(store.dead[i]!)!;
      if (name === undefined || job.name === name) yield job;
    }
  }

  private dead(queue: string, ids: string[]): MemoryJob[] {
    const store = this.queues.get(queue);
    if (!store) return [];
    return ids.map((id) => store.jobs.get(id)).filter((job): job is MemoryJob => job?.state === 'dead');
  }
}
