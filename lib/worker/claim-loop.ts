// the process's own clock, not the global a test's fake timers replace (see queue.worker.ts)
import { performance } from 'node:perf_hooks';
import { JobCancelledError } from '../errors/job-cancelled.error.js';
import type { ClaimedJob, ClaimRequest, ClaimResponse, Settlement, StorageEngine } from '../engine/storage-engine.interface.js';
import type { ClaimPacer } from './claim-pacer.js';
import type { GateWatch } from './gate-watch.js';
import type { JobRunner } from './job-runner.js';
import type { LeaseRenewal } from './lease-renewal.js';
import { RetryTimer } from './retry-timer.js';
import { WakeAlarm } from './wake-alarm.js';
import type { WorkerLedger } from './worker-ledger.js';

/** Round trips a worker has under way at once: storage takes the next while this process runs jobs. */
const MAX_CLAIMS = 3;

/** What the claim loop of one worker works with; `QueueWorker` makes them. */
export interface ClaimLoopParts {
  queue: string;
  workerId: string;
  concurrency: number;
  leaseMs: number;
  engine: StorageEngine;
  ledger: WorkerLedger;
  runner: JobRunner;
  pacer: ClaimPacer;
  lease: LeaseRenewal;
  /** Job names of this queue behind a circuit breaker or a rate limit: storage parks jobs that may not start. */
  gates: Pick<ClaimRequest, 'breakers' | 'rateLimits'>;
  gateWatch: GateWatch;
}

/**
 * The claim loop of one worker (see `QueueWorker`): sends round trips that settle what finished
 * and claim jobs, starts buffered jobs into free slots, hands back jobs a higher priority or a
 * shut gate holds back, and blocks in storage when the queue is empty.
 */
export class ClaimLoop {
  /** When the loop last heard from storage, or failed to (epoch ms); health checks call a worker stuck longer down. */
  lastTurnAt = Date.now();
  stopping = false;
  /** Round trips under way, and how many jobs they ask for. */
  private readonly claims = new Set<Promise<void>>();
  private asked = 0;
  private pumpAgain = false;
  private pumpScheduled: NodeJS.Immediate | null = null;
  private waiting = false;
  // a timer's callback is a turn of the event loop already: the claim goes out from it, so that a job
  // due at T starts at T under fake timers too (advanceTimersByTimeAsync(T)), not a faked immediate later
  private readonly alarm = new WakeAlarm(() => {
    this.startJobs();
    this.pump();
  });
  private readonly retry: RetryTimer;
  private lookWanted = false;
  private handBackDue = false;
  private readonly queue: string;
  private readonly workerId: string;
  private readonly leaseMs: number;
  private readonly concurrency: number;
  private readonly engine: StorageEngine;
  private readonly ledger: WorkerLedger;
  private readonly runner: JobRunner;
  private readonly pacer: ClaimPacer;
  private readonly lease: LeaseRenewal;
  private readonly gates: Pick<ClaimRequest, 'breakers' | 'rateLimits'>;
  private readonly gateWatch: GateWatch;

  constructor(parts: ClaimLoopParts) {
    ({ queue: this.queue, workerId: this.workerId, leaseMs: this.leaseMs, concurrency: this.concurrency } = parts);
    ({ engine: this.engine, ledger: this.ledger, runner: this.runner } = parts);
    ({ pacer: this.pacer, lease: this.lease, gates: this.gates, gateWatch: this.gateWatch } = parts);
    this.retry = new RetryTimer(this.queue, () => (this.lease.unsure ? void this.lease.renew() : this.schedulePump()), (ms) => this.engine.connect(ms));
  }

  get claimsUnderWay(): number {
    return this.claims.size;
  }

  /** Stops claiming and waking up; resolves once the round trips under way came back. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.alarm.clear();
    this.retry.clear();
    clearImmediate(this.pumpScheduled ?? undefined); // not run yet, it would only claim; under fake timers it outlived app.close()
    while (this.claims.size > 0) await Promise.all(this.claims);
  }

  /** Starts buffered jobs that fit and the next round trip, on the next turn of the event loop. */
  schedulePump(): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = setImmediate(() => {
      this.pumpScheduled = null;
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
      this.launch(size.max, size.reserve, []);
    }
  }

  private launch(max: number, reserve: number, release: string[]): void {
    this.lookWanted = false;
    const claim: Promise<void> = this.claim(max, reserve, release).then((more) => {
      this.claims.delete(claim);
      // a hand-back put off while every claim was under way (they may all come back in one tick)
      if (this.handBackDue && !this.stopping) {
        this.handBackDue = false;
        this.startJobs();
      }
      if (this.claims.size === 0 && this.lease.unsure) {
        void this.lease.renew();
        return;
      }
      // a full answer means more may be waiting; otherwise the worker waits to be woken,
      // unless something asked for a round trip while this one was under way. That request
      // is done with only once no other claim is under way: until then, the one left may
      // hold it back (see claimSize) and must look again when it comes back.
      if (this.stopping || !(more || this.pumpAgain || this.lookWanted)) return;
      if (this.claims.size === 0) this.pumpAgain = false;
      this.sendClaims();
    });
    this.claims.add(claim);
  }

  /** What the next round trip claims: jobs to start and jobs to reserve; null when it is not worth one yet. */
  private claimSize(): { max: number; reserve: number } | null {
    // a retry pending after a failed round trip sends the next one: claims failing at once (storage
    // gone) relaunched each other in a loop of microtasks that starved the event loop
    if (this.stopping || this.lease.unsure || this.retry.pending) return null;
    return this.pacer.claimSize({
      expected: this.ledger.buffered.length + this.asked,
      running: this.runner.size,
      unsettled: this.ledger.unsettled,
      pending: this.ledger.unreported || this.lookWanted,
      urgent: this.lookWanted,
    });
  }

  /** One round trip, handing back `release` first; resolves true when storage gave every job asked for. Never rejects. */
  private async claim(max: number, reserve: number, release: string[]): Promise<boolean> {
    const report = this.ledger.takeReport();
    const held = this.ledger.heldCount(this.runner.size) + report.settlements.length;
    for (const id of release) this.ledger.forget(id);
    const inFlight = this.asked;
    const limits = this.runner.limits(this.ledger.buffered, this.concurrency);
    const sentAt = performance.now();
    this.asked += max + reserve;
    let response: ClaimResponse;
    try {
      response = await this.engine.claim({
        ...{ queue: this.queue, workerId: this.workerId, max, reserve, ...report },
        ...{ release, held, inFlight, limits, ...this.gates },
      });
    } catch (error) {
      this.ledger.restore(report);
      this.retryLater(error as Error);
      return false;
    } finally {
      this.asked -= max + reserve;
      this.lastTurnAt = Date.now();
    }
    this.pacer.looked(performance.now() - sentAt, response.topPriority);
    this.apply(response, max, sentAt);
    if (this.stopping) return false;
    if (response.jobs.length === max + reserve) return true;
    this.alarm.set(response.wakeInMs);
    // jobs it left to other workers may still wait when it may take them again
    this.alarm.set(this.runner.unhandledFor());
    this.waitForWork();
    return false;
  }

  /** Takes in what storage answered to a claim sent at `sentAt` asking `max` jobs to start. */
  private apply(response: ClaimResponse, max: number, sentAt: number): void {
    // the claim that made a transition is the one process that tells of it
    for (const transition of response.transitions) this.runner.report.transition(transition, this.gates.breakers!);
    for (const id of response.cancelled) this.drop(id, new JobCancelledError(id));
    this.ledger.add(response.jobs, max, (id) => this.runner.isRunning(id));
    this.gateWatch.claimed(response, response.jobs.slice(max), sentAt);
    if (response.reconcile) this.lease.unsure = true;
    else this.ledger.confirm(sentAt);
    this.startJobs();
  }

  /** Starts buffered jobs, highest priority first, while slots are free and the lease can be trusted. */
  startJobs(): void {
    if (this.stopping || this.lease.unsure) return;
    this.gateWatch.held = null;
    this.startFromBuffer();
    const held = this.gateWatch.held as 'look' | 'back' | null;
    // a job behind its breaker failed here (the breaker may have opened): look first
    if (held === 'look') {
      this.lookWanted = true;
      this.pump();
    } else if (held === 'back') {
      this.handBack(null);
    }
  }

  /**
   * Whether a buffered job may start now. Reserved jobs behind a gate that may not are passed
   * over, not waited on: jobs claimed to start behind them must start at once (storage counted it).
   */
  private readonly startable = (job: ClaimedJob): boolean =>
    this.runner.hasRoomFor(job) && (!this.gateWatch.any || !this.ledger.isReserved(job.id) || this.gateWatch.passes(job));

  private startFromBuffer(): void {
    const startable = this.startable;
    while (this.runner.size < this.concurrency && this.ledger.buffered.length > 0) {
      if (!this.ledger.trusted()) {
        // the lease may have lapsed (a blocked event loop, a slow storage): these jobs may be
        // running elsewhere by now, so ask before starting any
        this.lease.doubt();
        return;
      }
      const job = this.ledger.peek(startable);
      if (!job) return;
      const higher = this.pacer.takeHigherThan(job.priority);
      if (higher !== null) return this.handBack(higher);
      if (this.ledger.isReserved(job.id) && this.pacer.stale()) {
        // a job of higher priority may have come since the last look: look before starting more
        this.lookWanted = true;
        return this.pump();
      }
      this.ledger.take(job);
      this.runner.start(job);
    }
  }

  /**
   * A job of higher priority (`top`) waits: hand back the buffered jobs below it and claim again,
   * highest first. With null: hand back the reserved jobs whose gate shut (`GateWatch`).
   */
  private handBack(top: number | null): void {
    if (this.claims.size >= MAX_CLAIMS) {
      // tried again when a claim under way comes back
      if (top !== null) this.pacer.keep(top);
      this.pumpAgain = true;
      this.handBackDue = true;
      return;
    }
    const back = (job: ClaimedJob) => (top === null ? this.ledger.isReserved(job.id) && this.gateWatch.verdict(job) === 'back' : job.priority < top);
    const lower = this.ledger.buffered.filter(back).map((job) => job.id);
    const kept = this.ledger.buffered.length - lower.length;
    const max = Math.max(0, this.concurrency - this.runner.size - kept - this.asked);
    this.launch(max, Math.max(0, lower.length - max), lower);
  }

  /** A job ran: its settlement goes with the next round trip, which goes out as soon as it is worth it. */
  finished(settlement: Settlement, ms: number, name: string): void {
    this.pacer.jobRan(ms);
    if (settlement.outcome === 'failed') this.gateWatch.failed(name);
    this.ledger.settle(settlement);
    this.startJobs();
    // jobs that finish at once run back to back in one turn of the event loop: the claim goes
    // out as soon as it is worth it, so storage works on it while the rest of the burst runs
    this.pump();
  }

  /** Forgets a job storage no longer lists as this worker's, aborting its handler. */
  drop(id: string, reason: Error): void {
    if (this.runner.abort(id, reason)) this.schedulePump();
    this.ledger.forget(id);
  }

  private waitForWork(): void {
    if (this.waiting || this.stopping) return;
    this.waiting = true;
    // the lease bounds the wait so that an idle worker still notices crashed workers' jobs
    this.engine.waitForWork(this.queue, Date.now() + this.leaseMs).then(
      () => {
        this.waiting = false;
        this.lastTurnAt = Date.now();
        if (!this.stopping) this.schedulePump();
      },
      (error: Error) => {
        this.waiting = false;
        this.lastTurnAt = Date.now();
        this.retryLater(error);
      },
    );
  }

  retryLater(error: Error): void {
    if (!this.stopping) this.retry.set(error);
  }
}
