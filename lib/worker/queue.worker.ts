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
  readonly job: ClaimedJob;
  readonly handler: JobHandler | undefined;
  readonly ctx: RunningJobContext;
  readonly startedAt: number;
  timer?: NodeJS.Timeout;
}

/** The most jobs a worker holds beyond its concurrency, however short its jobs are. */
const MAX_PREFETCH = 256;
/** Weight of the newest sample in the moving averages of job duration and round trip. */
const SMOOTHING = 0.2;
/** Round trips a worker has under way at once: storage takes the next while this process runs jobs. */
const MAX_CLAIMS = 2;

/**
 * Runs the jobs of one queue in this process. One engine round trip settles what finished and
 * claims jobs; while it is under way the jobs already here keep running. When jobs finish
 * faster than a round trip, the worker also reserves jobs beyond its free slots (about as many
 * as it finishes in two round trips, see `prefetch()`) and sends the next claim once half of
 * them are used up, even if the previous one has not come back yet (at most `MAX_CLAIMS` under
 * way), so neither this process nor storage waits for the other. Slow jobs are never reserved,
 * so they are not hoarded, and a job of higher priority waits at most about a round trip longer.
 * A reserved job counts neither an attempt nor a stall until the worker reports it started.
 * When the queue is empty the worker blocks in the engine (no polling) and a single timer
 * covers the next known due time.
 */
export class QueueWorker {
  readonly id = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  private readonly logger = new Logger('Background');
  private readonly running = new Map<string, RunningJob>();
  /** Claimed jobs not started yet: reserved, or waiting for their handler's own concurrency limit. */
  private readonly buffer: ClaimedJob[] = [];
  /** Buffered jobs claimed as reserved: storage counts their attempt once told they started. */
  private readonly reserved = new Set<string>();
  /** Reserved jobs started since the last round trip. */
  private started: string[] = [];
  private readonly activePerHandler = new Map<string, number>();
  private settlements: Settlement[] = [];
  private stopping = false;
  private onDrained: (() => void) | null = null;
  /** Round trips under way, and how many jobs they ask for. */
  private readonly claims = new Set<Promise<void>>();
  private asked = 0;
  private pumpAgain = false;
  private pumpScheduled = false;
  private waiting = false;
  private wakeTimer: NodeJS.Timeout | null = null;
  private wakeAt = Infinity;
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  /** Moving averages in ms; no prefetching until a job has finished here. */
  private jobMs = Infinity;
  private roundTripMs = 0;

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
    // a claim under way lands its jobs in the buffer, which is handed back below
    await this.claimsSettled();
    let timer: NodeJS.Timeout | undefined;
    const drained = new Promise<void>((resolve) => {
      this.onDrained = resolve;
      if (this.running.size === 0) resolve();
    });
    await Promise.race([drained, new Promise((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
    clearTimeout(timer);
    const unfinished = [...this.running.keys(), ...this.buffer.map((job) => job.id)];
    for (const id of unfinished) this.drop(id, new Error(SHUTDOWN_ABORT(timeoutMs)));
    await this.claimsSettled();
    try {
      await this.engine.release(this.queue, this.id, unfinished);
      await this.flush();
    } catch (error) {
      this.logger.error(`Could not hand jobs of queue "${this.queue}" back on shutdown; they run again once the lease expires: ${(error as Error).message}`);
    } finally {
      this.clearTimer('heartbeatTimer');
    }
  }

  /** Starts buffered jobs that fit and the next round trip, on the next turn of the event loop. */
  private schedulePump(): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    setImmediate(() => {
      this.pumpScheduled = false;
      this.startJobs();
      this.pump();
    });
  }

  /** Sends round trips while they are worth it; asked while some are under way, it looks again when one comes back. */
  private pump(): void {
    if (this.claims.size > 0) this.pumpAgain = true;
    this.sendClaims();
  }

  private sendClaims(): void {
    while (this.claims.size < MAX_CLAIMS) {
      const size = this.claimSize();
      if (!size) return;
      const claim: Promise<void> = this.claim(size.max, size.reserve).then(
        (more) => {
          this.claims.delete(claim);
          // a full answer means more may be waiting; otherwise the worker waits to be woken,
          // unless something asked for a round trip while this one was under way. That request
          // is done with only once no other claim is under way: until then, the one left may
          // hold it back (see claimSize) and must look again when it comes back.
          if (this.stopping || !(more || this.pumpAgain)) return;
          if (this.claims.size === 0) this.pumpAgain = false;
          this.sendClaims();
        },
        (error: Error) => {
          this.claims.delete(claim);
          this.retryLater(error);
        },
      );
      this.claims.add(claim);
    }
  }

  /** What the next round trip claims: jobs to start and jobs to reserve; null when it is not worth one yet. */
  private claimSize(): { max: number; reserve: number } | null {
    // buffered jobs, and those asked for by claims under way, take free slots first; what is
    // left is claimed to start, the rest reserved
    const expected = this.buffer.length + this.asked;
    const slots = this.concurrency - this.running.size;
    const max = this.stopping ? 0 : Math.max(0, slots - expected);
    const prefetch = this.stopping ? 0 : this.prefetch();
    const reserve = Math.max(0, prefetch - Math.max(0, expected - slots));
    // with jobs on hand that finish within a round trip, wait until part of the reserve is used
    // up: claims stay large, and what finished meanwhile rides along with the next claim
    const busy = this.running.size + expected > 0;
    if (busy && max + reserve < Math.ceil(prefetch / 2)) return null;
    if (max + reserve === 0 && this.settlements.length === 0 && this.started.length === 0) return null;
    return { max, reserve };
  }

  private async claimsSettled(): Promise<void> {
    while (this.claims.size > 0) await Promise.all(this.claims);
  }

  /** One round trip; resolves true when storage gave every job asked for. */
  private async claim(max: number, reserve: number): Promise<boolean> {
    const settlements = this.settlements.splice(0);
    const started = this.takeStarted(settlements);
    const sentAt = performance.now();
    this.asked += max + reserve;
    let response: ClaimResponse;
    try {
      response = await this.engine.claim({ queue: this.queue, workerId: this.id, max, reserve, started, settlements });
    } catch (error) {
      this.asked -= max + reserve;
      this.settlements.unshift(...settlements);
      this.started.unshift(...started);
      this.retryLater(error as Error);
      return false;
    }
    this.asked -= max + reserve;
    this.roundTripMs += (performance.now() - sentAt - this.roundTripMs) * SMOOTHING;
    this.events.settled(settlements);
    this.apply(response, max);
    if (this.stopping) return false;
    if (response.jobs.length === max + reserve) return true;
    this.armWakeTimer(response.nextWakeAt);
    this.waitForWork();
    return false;
  }

  /** Reserved jobs started since the last round trip, less those settled in it (a settlement implies the start). */
  private takeStarted(settlements: Settlement[]): string[] {
    const started = this.started.splice(0);
    if (started.length === 0 || settlements.length === 0) return started;
    const settled = new Set(settlements.map((settlement) => settlement.id));
    return started.filter((id) => !settled.has(id));
  }

  /** Jobs to reserve beyond the free slots: about as many as finish here during two round trips. */
  private prefetch(): number {
    return Math.min(MAX_PREFETCH, Math.floor((2 * this.concurrency * this.roundTripMs) / this.jobMs));
  }

  /** Takes in what storage answered; claimed jobs after the first `started` are reserved. */
  private apply(response: ClaimResponse, started: number): void {
    if (response.lost) {
      // another worker recovered everything this one held
      for (const id of [...this.running.keys()]) this.drop(id, new Error('lease lost'));
      this.buffer.length = 0;
      this.reserved.clear();
    }
    for (const id of response.cancelled) this.drop(id, new Error(JOB_CANCELLED(id)));
    response.jobs.forEach((job, index) => {
      if (index >= started) this.reserved.add(job.id);
      this.buffer.push(job);
    });
    this.startJobs();
  }

  /** Starts buffered jobs in claim order while slots are free, skipping handlers at their own limit. */
  private startJobs(): void {
    if (this.stopping) return;
    for (let i = 0; i < this.buffer.length && this.running.size < this.concurrency; ) {
      const job = this.buffer[i]!;
      const handler = this.registry.get(job.name);
      if (handler?.concurrency && (this.activePerHandler.get(job.name) ?? 0) >= handler.concurrency) {
        i++;
        continue;
      }
      if (i === 0) this.buffer.shift();
      else this.buffer.splice(i, 1);
      if (this.reserved.delete(job.id)) {
        this.started.push(job.id);
        this.schedulePump();
      }
      this.run(job, handler);
    }
  }

  private run(job: ClaimedJob, handler: JobHandler | undefined): void {
    const ctx = new RunningJobContext(job, this.queue, this.engine, this.id);
    const entry: RunningJob = { job, handler, ctx, startedAt: performance.now() };
    this.running.set(job.id, entry);
    if (handler?.concurrency) this.activePerHandler.set(job.name, (this.activePerHandler.get(job.name) ?? 0) + 1);
    if (job.timeoutMs > 0) entry.timer = setTimeout(() => this.timeOut(entry), job.timeoutMs);
    Promise.resolve()
      .then(() => {
        if (!handler) throw new Error(NO_LOCAL_HANDLER(job.name));
        return handler.invoke(JSON.parse(job.data), ctx);
      })
      .then((result): Settlement => ({ id: job.id, outcome: 'completed', result: result === undefined ? '' : JSON.stringify(result) }))
      .then(
        (settlement) => this.finish(entry, settlement),
        (error: unknown) => this.finish(entry, this.failure(entry, error)),
      );
  }

  private timeOut(entry: RunningJob): void {
    if (this.running.get(entry.job.id) !== entry) return;
    const error = new Error(JOB_TIMED_OUT(entry.job.timeoutMs));
    const settlement = this.failure(entry, error);
    entry.ctx.abort(error);
    this.finish(entry, settlement);
  }

  private failure({ job, handler }: RunningJob, thrown: unknown): Settlement {
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
  }

  /** Records a job's outcome, unless it was dropped meanwhile (cancelled, lease lost, shutdown). */
  private finish(entry: RunningJob, settlement: Settlement): void {
    if (this.running.get(entry.job.id) !== entry) return;
    this.forget(entry);
    this.jobMs = Number.isFinite(this.jobMs)
      ? this.jobMs + (performance.now() - entry.startedAt - this.jobMs) * SMOOTHING
      : performance.now() - entry.startedAt;
    this.settlements.push(settlement);
    this.startJobs();
    // jobs that finish at once run back to back in one turn of the event loop: the claim goes
    // out as soon as it is worth it, so storage works on it while the rest of the burst runs
    this.pump();
  }

  /** Forgets a job without settling it, aborting its handler. */
  private drop(id: string, reason: Error): void {
    const entry = this.running.get(id);
    if (entry) {
      this.forget(entry);
      entry.ctx.abort(reason);
      this.schedulePump();
      return;
    }
    const index = this.buffer.findIndex((job) => job.id === id);
    if (index >= 0) this.buffer.splice(index, 1);
    this.reserved.delete(id);
  }

  private forget(entry: RunningJob): void {
    this.running.delete(entry.job.id);
    clearTimeout(entry.timer);
    if (entry.handler?.concurrency) this.activePerHandler.set(entry.job.name, this.activePerHandler.get(entry.job.name)! - 1);
    if (this.running.size === 0) this.onDrained?.();
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
    if (this.running.size === 0 && this.buffer.length === 0 && this.settlements.length === 0) return;
    try {
      const response = await this.engine.heartbeat(this.queue, this.id);
      this.apply({ jobs: [], cancelled: response.cancelled, lost: response.lost, nextWakeAt: null }, 0);
    } catch (error) {
      this.logger.warn(`Lease renewal for queue "${this.queue}" failed: ${(error as Error).message}`);
    }
  }

  private async flush(): Promise<void> {
    if (this.settlements.length === 0) return;
    const settlements = this.settlements.splice(0);
    const started = this.takeStarted(settlements);
    const response = await this.engine.claim({ queue: this.queue, workerId: this.id, max: 0, reserve: 0, started, settlements });
    this.events.settled(settlements);
    this.apply(response, 0);
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
