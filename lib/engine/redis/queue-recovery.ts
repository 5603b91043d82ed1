import { Logger } from '@nestjs/common';
import { workerKeys } from './claim.codec.js';
import type { ScriptRunner } from './redis-scripts.js';

/**
 * What a claim or heartbeat finds and another script then does, with the keys that the finding
 * named: the jobs of workers whose lease expired go back (reap.lua), and jobs parked in lists no
 * worker declares any more go back too (unpark.lua). Each is done once at a time per queue; a
 * failure is left to the next claim that finds the same.
 */
export class QueueRecovery {
  private readonly logger = new Logger('Background');
  private readonly underWay = new Set<string>();

  constructor(
    private readonly run: ScriptRunner,
    private readonly configArgs: (string | number)[],
    private readonly leaseMs: number,
  ) {}

  /** Hands back the jobs of `workers` whose lease has expired; resolves to how many went back. */
  async reap(base: string, workers: string[]): Promise<number> {
    if (workers.length === 0) return 0;
    const keys = workers.flatMap((worker) => workerKeys(base, worker));
    return (await this.run('reap', base, [...this.configArgs, ...workers], keys)) as number;
  }

  /**
   * Reaps the `expired` workers and unparks the `orphans` lists that a claim or heartbeat found,
   * unless the same is under way for the queue already. Never rejects: what fails is found again
   * by the next claim.
   */
  async after(base: string, expired: string[], orphans: string[]): Promise<void> {
    const work: Promise<unknown>[] = [];
    if (expired.length > 0) work.push(this.once(`${base} reap`, () => this.reap(base, expired)));
    if (orphans.length > 0) {
      const keys = orphans.map((list) => `${base}:${list}`);
      work.push(this.once(`${base} unpark`, () => this.run('unpark', base, [this.leaseMs, ...orphans], keys)));
    }
    await Promise.all(work);
  }

  private async once(task: string, work: () => Promise<unknown>): Promise<void> {
    if (this.underWay.has(task)) return;
    this.underWay.add(task);
    try {
      await work();
    } catch (error) {
      this.logger.warn(`${task} failed, left to the next claim that finds the same: ${(error as Error).message}`);
    } finally {
      this.underWay.delete(task);
    }
  }
}
