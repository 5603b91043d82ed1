import { WAIT_INTERRUPTED } from '../../background.messages.js';
import { WaitTimeoutError } from '../../errors/wait-timeout.error.js';
import { isFinal } from '../storage-engine.interface.js';
import type { StoredJob } from '../stored-job.interface.js';
import type { MemoryJob } from './memory-job.interface.js';
import { toStoredJob } from './memory-job.mapper.js';
import type { MemoryQueue } from './memory-queue.js';

/** The memory engine's pending waits (a worker's for work, a caller's for a job to settle), ended at once on close. */
export class MemoryWaits {
  private readonly timers = new Set<NodeJS.Timeout>();
  /** Ends the pending `forSettled` calls (shutdown). */
  private readonly interruptions = new Set<() => void>();

  forWork(target: MemoryQueue, until: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.timers.delete(timer);
        target.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, until - Date.now()));
      this.timers.add(timer);
      target.waiters.add(done);
    });
  }

  forSettled(queueName: string, queue: MemoryQueue | undefined, id: string, timeoutMs: number): Promise<StoredJob | null> {
    const job = queue?.jobs.get(id);
    if (!queue || !job || isFinal(job.state)) return Promise.resolve(job ? toStoredJob(queueName, job) : null);
    return new Promise((resolve, reject) => {
      const end = () => {
        clearTimeout(timer);
        this.timers.delete(timer);
        this.interruptions.delete(interrupt);
        const watchers = queue.settleWatchers.get(id);
        watchers?.delete(onSettled);
        if (watchers?.size === 0) queue.settleWatchers.delete(id);
      };
      const onSettled = (settled: MemoryJob) => {
        end();
        resolve(toStoredJob(queueName, settled));
      };
      const interrupt = () => {
        end();
        reject(new WaitTimeoutError(WAIT_INTERRUPTED(id)));
      };
      const timer = setTimeout(() => {
        end();
        const current = queue.jobs.get(id);
        resolve(current ? toStoredJob(queueName, current) : null);
      }, timeoutMs);
      this.timers.add(timer);
      this.interruptions.add(interrupt);
      const watchers = queue.settleWatchers.get(id) ?? new Set();
      watchers.add(onSettled);
      queue.settleWatchers.set(id, watchers);
    });
  }

  close(): void {
    for (const interrupt of [...this.interruptions]) interrupt();
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }
}
