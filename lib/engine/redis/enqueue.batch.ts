import type { NewJob } from '../storage-engine.interface.js';
import { encodeEnqueueArgs } from './enqueue-args.codec.js';

/** Jobs of several enqueue calls, sent as one script call. */
export class EnqueueBatch {
  size = 0;
  private readonly jobs: NewJob[] = [];
  private readonly waiters: { from: number; count: number; resolve: (flags: number[]) => void; reject: (error: unknown) => void }[] = [];

  add(jobs: NewJob[]): Promise<number[]> {
    const from = this.size;
    this.jobs.push(...jobs);
    this.size += jobs.length;
    return new Promise((resolve, reject) => this.waiters.push({ from, count: jobs.length, resolve, reject }));
  }

  write(send: (args: Buffer) => Promise<number[]>): void {
    send(encodeEnqueueArgs(this.jobs)).then(
      (flags) => {
        for (const waiter of this.waiters) waiter.resolve(flags.slice(waiter.from, waiter.from + waiter.count));
      },
      (error: unknown) => {
        for (const waiter of this.waiters) waiter.reject(error);
      },
    );
  }
}
