import { Logger } from '@nestjs/common';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { BackgroundConfig } from '../background.config.js';
import { JOB_CANCELLED, JOB_TIMED_OUT, NO_LOCAL_HANDLER, SHUTDOWN_ABORT } from '../background.messages.js';
import type { ClaimedJob, ClaimResponse, Settlement, StorageEngine } from '../engine/storage-engine.interface.js';
import { UnrecoverableError } from '../errors/unrecoverable.error.js';
import type { JobHandler, JobHandlerRegistry } from '../registry/job-handler.registry.js';
import { RunningJobContext } from './job-context.js';
import type { JobEvents } from './job.events.js';
import { backoffDelay } from './retry.backoff.js';

interface RunningJob {
  job: ClaimedJob;
  controller: AbortController;
  done: Promise<void>;
}

/**
 * Runs the jobs of one queue in this process. One engine round trip settles what finished and
 * claims as many jobs as there are free slots; when the queue is empty the worker blocks in the
 * engine (no polling) and a single timer covers the next known due time.
 */
export class QueueWorker {
  readonly id = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  private readonly logger = new Logger('Background');
  private readonly running = new Map<string, RunningJob>();
  /** Claimed jobs waiting for their handler's own concurrency limit. */
  private readonly deferred: ClaimedJob[] = [];
  private readonly activePerHandler = new Map<string, number>();
  private settlements: Settlement[] = [];
  private stopping = false;
  private pumping: Promise<void> | null = null;
  private pumpAgain = false;
  private pumpScheduled = false;
  private waiting = false;
  private wakeTimer: NodeJS.Timeout | null = null;
  private wakeAt = Infinity;
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private retryTimer: NodeJS.Timeout | null = null;

  constructor(
    readonly queue: string,
    private readonly concurrency: number,
    private readonly engine: StorageEngine,
    private readonly registry: JobHandlerRegistry,
    private readonly config: BackgroundConfig,
    private readonly events: JobEvents,
  ) {}

  start(): void {
    this.heartbeatTimer = setInterval(() => void this.heartbeat(), Math.max(50, Math.floor(this.config.leaseMs / 3)));
    this.schedulePump();
  }

  /** Stops claiming, lets running jobs finish for up to `timeoutMs`, then aborts and hands back the rest. */
  async stop(timeoutMs: number): Promise<void> {
    this.stopping = true;
    this.clearTimer('wakeTimer');
    this.clearTimer('retryTimer');
    let timer: NodeJS.Timeout | undefined;
    const drained = Promise.all([...this.running.values()].map((entry) => entry.done));
    await Promise.race([drained, new Promise((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
    clearTimeout(timer);
    const unfinished = [...this.running.values()].map((entry) => entry.job).concat(this.deferred.splice(0));
    for (const job of unfinished) this.drop(job.id, new Error(SHUTDOWN_ABORT(timeoutMs)));
    await this.pumping;
    try {
      await this.engine.release(this.queue, this.id, unfinished.map((job) => job.id));
      await this.flush();
    } catch (error) {
      this.logger.error(`Could not hand jobs of queue "${this.queue}" back on shutdown; they run again once the lease expires: ${(error as Error).message}`);
    } finally {
      this.clearTimer('heartbeatTimer');
    }
  }

  private schedulePump(): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    setImmediate(() => {
      this.pumpScheduled = false;
      void this.pump();
    });
  }

  private pump(): Promise<void> {
    if (this.pumping) {
      this.pumpAgain = true;
      return this.pumping;
    }
    this.pumping = this.pumpLoop().finally(() => (this.pumping = null));
    return this.pumping;
  }

  private async pumpLoop(): Promise<void> {
    do {
      this.pumpAgain = false;
      const free = this.stopping ? 0 : this.concurrency - this.running.size - this.deferred.length;
      if (free <= 0 && this.settlements.length === 0) return;
      const settlements = this.settlements.splice(0);
      let response: ClaimResponse;
      try {
        response = await this.engine.claim({ queue: this.queue, workerId: this.id, max: free, settlements });
      } catch (error) {
        this.settlements.unshift(...settlements);
        this.retryLater(error as Error);
        return;
      }
      this.events.settled(settlements);
      this.apply(response);
      if (this.stopping) return;
      if (response.jobs.length < free) {
        this.armWakeTimer(response.nextWakeAt);
        this.waitForWork();
      }
    } while (this.pumpAgain);
  }

  private apply(response: ClaimResponse): void {
    if (response.lost) {
      for (const entry of [...this.running.values()]) this.drop(entry.job.id, new Error('lease lost'));
    }
    for (const id of response.cancelled) this.drop(id, new Error(JOB_CANCELLED(id)));
    for (const job of response.jobs) this.run(job);
  }

  private run(job: ClaimedJob): void {
    const handler = this.registry.get(job.name);
    if (handler?.concurrency && (this.activePerHandler.get(job.name) ?? 0) >= handler.concurrency) {
      this.deferred.push(job);
      return;
    }
    this.activePerHandler.set(job.name, (this.activePerHandler.get(job.name) ?? 0) + 1);
    const controller = new AbortController();
    const entry: RunningJob = { job, controller, done: Promise.resolve() };
    this.running.set(job.id, entry);
    entry.done = this.execute(job, handler, controller).then((settlement) => {
      this.activePerHandler.set(job.name, this.activePerHandler.get(job.name)! - 1);
      // a job dropped meanwhile (cancelled, lease lost, shutdown) has no say in its outcome
      if (this.running.get(job.id) === entry) {
        this.running.delete(job.id);
        this.settlements.push(settlement);
      }
      this.startDeferred();
      this.schedulePump();
    });
  }

  private async execute(job: ClaimedJob, handler: JobHandler | undefined, controller: AbortController): Promise<Settlement> {
    const ctx = new RunningJobContext(job, this.queue, controller.signal, this.engine, this.id);
    let timer: NodeJS.Timeout | undefined;
    try {
      if (!handler) throw new Error(NO_LOCAL_HANDLER(job.name));
      const aborted = new Promise<never>((_, reject) => {
        controller.signal.addEventListener('abort', () => reject(controller.signal.reason), { once: true });
      });
      aborted.catch(() => undefined);
      if (job.timeoutMs > 0) {
        timer = setTimeout(() => controller.abort(new Error(JOB_TIMED_OUT(job.timeoutMs))), job.timeoutMs);
      }
      const result = await Promise.race([Promise.resolve().then(() => handler.invoke(JSON.parse(job.data), ctx)), aborted]);
      return { id: job.id, outcome: 'completed', result: result === undefined ? '' : JSON.stringify(result) };
    } catch (thrown) {
      const error = thrown instanceof Error ? thrown : new Error(String(thrown));
      const retry = !(error instanceof UnrecoverableError) && job.attempt < job.maxAttempts;
      if (this.running.has(job.id)) {
        this.logger.warn(
          `Job ${job.name} (${job.id}) failed on attempt ${job.attempt}/${job.maxAttempts}${handler ? ` in ${handler.target}` : ''}: ${error.message}`,
        );
      }
      return {
        id: job.id,
        outcome: 'failed',
        error: { attempt: job.attempt, name: error.name, message: error.message, stack: error.stack, at: Date.now() },
        retryAt: retry ? Date.now() + backoffDelay(this.config.defaults.backoff, job.attempt) : -1,
      };
    } finally {
      clearTimeout(timer);
    }
  }

  private startDeferred(): void {
    for (let i = 0; i < this.deferred.length; i++) {
      const job = this.deferred[i]!;
      const handler = this.registry.get(job.name);
      if ((this.activePerHandler.get(job.name) ?? 0) < (handler?.concurrency ?? Infinity)) {
        this.deferred.splice(i, 1);
        this.run(job);
        return;
      }
    }
  }

  /** Forgets a job without settling it, aborting its handler. */
  private drop(id: string, reason: Error): void {
    const entry = this.running.get(id);
    if (entry) {
      this.running.delete(id);
      entry.controller.abort(reason);
    }
    const index = this.deferred.findIndex((job) => job.id === id);
    if (index >= 0) this.deferred.splice(index, 1);
  }

  private waitForWork(): void {
    if (this.waiting || this.stopping) return;
    this.waiting = true;
    // the lease bounds the wait so that an idle worker still notices crashed workers' jobs
    this.engine
      .waitForWork(this.queue, Date.now() + this.config.leaseMs)
      .then(
        () => {
          this.waiting = false;
          if (!this.stopping) this.schedulePump();
        },
        (error: Error) => {
          this.waiting = false;
          this.retryLater(error);
        },
      );
  }

  private armWakeTimer(at: number | null): void {
    if (at === null || at >= this.wakeAt) return;
    this.clearTimer('wakeTimer');
    this.wakeAt = at;
    this.wakeTimer = setTimeout(() => {
      this.wakeTimer = null;
      this.wakeAt = Infinity;
      this.schedulePump();
    }, Math.max(0, at - Date.now()));
  }

  private async heartbeat(): Promise<void> {
    if (this.running.size === 0 && this.deferred.length === 0) return;
    try {
      const response = await this.engine.heartbeat(this.queue, this.id);
      this.apply({ jobs: [], cancelled: response.cancelled, lost: response.lost, nextWakeAt: null });
    } catch (error) {
      this.logger.warn(`Lease renewal for queue "${this.queue}" failed: ${(error as Error).message}`);
    }
  }

  private async flush(): Promise<void> {
    if (this.settlements.length === 0) return;
    const settlements = this.settlements.splice(0);
    const response = await this.engine.claim({ queue: this.queue, workerId: this.id, max: 0, settlements });
    this.events.settled(settlements);
    this.apply(response);
  }

  private retryLater(error: Error): void {
    if (this.stopping || this.retryTimer) return;
    this.logger.warn(`Queue "${this.queue}" cannot reach its storage, retrying in 1 s: ${error.message}`);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.schedulePump();
    }, 1000);
  }

  private clearTimer(name: 'wakeTimer' | 'heartbeatTimer' | 'retryTimer'): void {
    const timer = this[name];
    if (timer) {
      clearTimeout(timer);
      this[name] = null;
    }
    if (name === 'wakeTimer') this.wakeAt = Infinity;
  }
}
