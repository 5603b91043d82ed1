import type { Logger } from '@nestjs/common';
// the process's own clock, not the global a test's fake timers replace (see queue.worker.ts)
import { performance } from 'node:perf_hooks';
import { LEASE_LOST } from '../background.messages.js';
import { JobCancelledError } from '../errors/job-cancelled.error.js';
import type { StorageEngine } from '../engine/storage-engine.interface.js';
import { RepeatingTimer } from './repeating-timer.js';
import type { WorkerLedger } from './worker-ledger.js';

/** What renewing a worker's lease needs of the worker. */
export interface LeaseHolder {
  readonly queue: string;
  readonly id: string;
  /** Ids of the jobs whose handlers run here now. */
  running(): string[];
  /** Claims under way: while one is, a renewal does not send the held ids (the claim changes them). */
  claimsUnderWay(): number;
  /** A job storage no longer lists as this worker's (cancelled, or its lease lapsed): abort it and forget it. */
  drop(id: string, reason: Error): void;
  /** The doubt is settled: claim and start again. */
  resume(): void;
  /** A renewal meant to settle a doubt failed: try again later. */
  retryLater(error: Error): void;
  /** Storage answered, or failed to (for health checks). */
  turned(): void;
}

/**
 * A worker's lease, renewed every third of it while the worker holds jobs. When the worker is in
 * doubt (storage may list jobs as its own that it does not know of, or the reverse: a claim whose
 * reply was lost, a lease that may have lapsed), a renewal sends every id it holds, storage hands
 * back what it listed by mistake and says which jobs are no longer the worker's; until then the
 * worker starts nothing (`unsure`).
 */
export class LeaseRenewal {
  /** Storage may list jobs as this worker's that it does not know of, or the reverse: start nothing until a renewal said. */
  unsure = false;
  private beating = false;
  private timer: RepeatingTimer | null = null;

  constructor(
    private readonly holder: LeaseHolder,
    private readonly engine: StorageEngine,
    private readonly ledger: WorkerLedger,
    private readonly leaseMs: number,
    private readonly logger: Logger,
  ) {}

  start(): void {
    this.timer = new RepeatingTimer(Math.max(50, Math.floor(this.leaseMs / 3)), () => this.renew()).start();
  }

  stop(): void {
    this.timer?.stop();
    this.timer = null;
  }

  /** Something made the worker doubt what it holds: settle it with the next renewal, at once if no claim is under way. */
  doubt(): void {
    this.unsure = true;
    if (this.holder.claimsUnderWay() === 0) void this.renew();
  }

  /**
   * Renews the lease. While no claim is under way it also sends every id the worker holds, so
   * that storage hands back what it lists for this worker by mistake and says which held jobs are
   * no longer this worker's; that settles any doubt.
   */
  async renew(): Promise<void> {
    if (this.beating) return;
    const holder = this.holder;
    const running = holder.running();
    if (running.length === 0 && this.ledger.heldCount(0) === 0 && !this.unsure) return;
    const held = holder.claimsUnderWay() === 0 ? this.ledger.heldIds(running) : null;
    const sentAt = performance.now();
    this.beating = true;
    try {
      const { gone } = await this.engine.heartbeat(holder.queue, holder.id, held);
      for (const job of gone) holder.drop(job.id, job.cancelled ? new JobCancelledError(job.id) : new Error(LEASE_LOST));
      if (held) {
        this.ledger.confirm(sentAt);
        this.unsure = false;
        holder.resume();
      }
    } catch (error) {
      this.logger.debug(`Lease renewal for queue "${holder.queue}" failed: ${(error as Error).message}`);
      if (this.unsure) holder.retryLater(error as Error);
    } finally {
      this.beating = false;
      holder.turned();
    }
    // a doubt that arose while a plain renewal was under way
    if (this.unsure && held === null && holder.claimsUnderWay() === 0) void this.renew();
  }
}
