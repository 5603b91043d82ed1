import type { NewJob } from '../storage-engine.interface.js';
import { encodeEnqueueArgs } from './enqueue-args.codec.js';

/** Jobs of several enqueue calls, sent as one script call. */
export class EnqueueBatch {
  size = 0;
  private sent = false;
  private readonly jobs: NewJob[] = [];
  private readonly waiters: { from: number; count: number; resolve: (flags: number[]) => void; reject: (error: unknown) => void }[] = [];

  add(jobs: NewJob[]): Promise<number[]> {
    const from = this.size;
    this.jobs.push(...jobs);
    this.size += jobs.length;
    return new Promise((resolve, reject) => this.waiters.push({ from, count: jobs.length, resolve, reject }));
  }

  /** Sends the batch, once: later calls do nothing. */
  write(send: (args: Buffer) => Promise<number[]>): void {
    if (this.sent) return;
    this.sent = true;
    let sending: Promise<number[]>;
    try {
      sending = send(encodeEnqueueArgs(this.jobs));
    } catch (error) {
      // every caller of the batch hears of it, not only the one whose add filled it (or none, in a tick callback)
      sending = Promise.reject(error);
    }
    sending.then(
      (flags) => {
        for (const waiter of this.waiters) waiter.resolve(flags.slice(waiter.from, waiter.from + waiter.count));
      },
      (error: unknown) => {
        for (const waiter of this.waiters) waiter.reject(error);
      },
    );
  }
}
