import { Logger } from '@nestjs/common';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
// the process's own clock, not the global a test's fake timers replace: the worker's pacing is about
// real round trips (its timers, setImmediate included, follow fake timers: they drive the worker)
import { performance } from 'node:perf_hooks';
import type { BackgroundConfig } from '../background.config.js';
import { SHUTDOWN_ABORT } from '../background.messages.js';
import { JobCancelledError } from '../errors/job-cancelled.error.js';
import type { CancelWatch, ClaimedJob, ClaimRequest, StorageEngine } from '../engine/storage-engine.interface.js';
import type { JobHandlerRegistry } from '../registry/job-handler.registry.js';
import { ClaimLoop } from './claim-loop.js';
import { ClaimPacer } from './claim-pacer.js';
import { GateWatch } from './gate-watch.js';
import { JobRunner, type RunnerHooks } from './job-runner.js';
import { lastClaim } from './last-claim.js';
import { LeaseRenewal } from './lease-renewal.js';
import { WorkerLedger } from './worker-ledger.js';
import { within } from './within.js';

/** How long shutdown waits for its last round trip (settle and hand back) beyond `shutdownTimeoutMs`. */
const LAST_CALL_MS = 500;

/**
 * Runs the jobs of one queue in this process: the claim loop. One engine round trip settles what
 * finished and claims jobs; while it is under way the jobs already here keep running. When jobs
 * finish faster than a round trip, the worker also reserves jobs beyond its free slots (about as
 * many as it finishes in two round trips, see `ClaimPacer`) and sends the next claim once half
 * of them are used up, even if the previous one has not come back yet (at most three under
 * way), so neither this process nor storage waits for the other. Slow jobs are never
 * reserved, so they are not hoarded. When the queue is empty the worker blocks in the engine
 * (no polling) and a single timer covers the next known due time.
 *
 * What the worker holds and whether its lease can be trusted is the ledger's business
 * (`WorkerLedger`); how far ahead to claim and when to look again, the pacer's (`ClaimPacer`);
 * whether a reserved job behind a breaker or a rate limit may still start, the gate watch's
 * (`GateWatch`); running handlers, the runner's (`JobRunner`); the round trips and the starts, the
 * claim loop's (`ClaimLoop`).
 */
export class QueueWorker {
  readonly id = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  private readonly logger = new Logger('Background');
  private readonly ledger: WorkerLedger;
  private readonly runner: JobRunner;
  private readonly lease: LeaseRenewal;
  private readonly loop: ClaimLoop;
  /** Job names of this queue behind a circuit breaker or a rate limit: storage parks jobs that may not start. */
  private readonly gates: Pick<ClaimRequest, 'breakers' | 'rateLimits'>;
  private readonly gateWatch: GateWatch;
  private cancelWatch?: CancelWatch;

  constructor(
    readonly queue: string,
    private readonly concurrency: number,
    private readonly engine: StorageEngine,
    registry: JobHandlerRegistry,
    config: BackgroundConfig,
    hooks: RunnerHooks,
  ) {
    this.ledger = new WorkerLedger(config.leaseMs);
    const queueRate = config.queues[queue]?.rateLimit;
    this.gates = {
      breakers: registry.guarded(queue),
      rateLimits: [...registry.rateLimited(queue), ...(queueRate ? [{ jobName: null, ...queueRate }] : [])],
    };
    this.gateWatch = new GateWatch(this.gates);
    this.lease = new LeaseRenewal(
      {
        queue,
        id: this.id,
        running: () => this.runner.ids(),
        claimsUnderWay: () => this.loop.claimsUnderWay,
        drop: (id, reason) => this.loop.drop(id, reason),
        resume: () => this.loop.schedulePump(),
        retryLater: (error) => this.loop.retryLater(error),
        turned: () => (this.loop.lastTurnAt = Date.now()),
      },
      engine,
      this.ledger,
      config.leaseMs,
      this.logger,
    );
    this.runner = new JobRunner(queue, this.id, engine, registry, config, (settlement, ms, name) => this.loop.finished(settlement, ms, name), hooks);
    this.loop = new ClaimLoop({
      ...{ queue, workerId: this.id, concurrency, leaseMs: config.leaseMs, engine, ledger: this.ledger, runner: this.runner },
      ...{ pacer: new ClaimPacer(concurrency), lease: this.lease, gates: this.gates, gateWatch: this.gateWatch },
    });
  }

  /** Jobs whose handlers run now. */
  get active(): number {
    return this.runner.size;
  }

  /** When the claim loop last heard from storage, or failed to (epoch ms); health checks call a worker stuck longer down. */
  get lastTurnAt(): number {
    return this.loop.lastTurnAt;
  }

  /** Starts the claim loop once cancels of its jobs are heard at once (or trying failed); never rejects. */
  async start(): Promise<void> {
    this.cancelWatch = this.engine.watchCancels(this.queue, this.id, (id) => this.cancelledNow(id));
    await this.cancelWatch.listening;
    if (this.loop.stopping) return;
    this.lease.start();
    this.loop.schedulePump();
  }

  /**
   * Starts a job at once, inside the caller's turn, if a slot is free and nothing else holds it back
   * (a breaker or rate limit on it, a lease in doubt, shutdown): `claim` takes it for this worker in
   * one synchronous step. For a tick under a test's fake timers (lib/schedule/synchronous-engine.interface.ts);
   * false, and the job waits for the claim loop, otherwise.
   */
  runNow(name: string, claim: (workerId: string) => ClaimedJob | null): boolean {
    if (this.gateWatch.guards(name) || this.loop.stopping || this.lease.unsure || this.runner.size >= this.concurrency || !this.runner.hasRoomFor({ name } as ClaimedJob)) return false;
    const job = claim(this.id);
    if (job) this.runner.start(job, true);
    return job !== null;
  }

  /**
   * Stops claiming, lets running jobs finish for up to `timeoutMs`, then aborts them and, in one
   * last round trip, settles what finished and hands back the rest. Bounded even if storage hangs.
   */
  async stop(timeoutMs: number): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    // a claim under way lands its jobs in the buffer, which is handed back below
    await within(this.loop.stop(), timeoutMs);
    await within(this.runner.idle(), deadline - performance.now());
    const unfinished = this.runner.ids();
    const error = new Error(SHUTDOWN_ABORT(timeoutMs));
    for (const id of unfinished) this.runner.abort(id, error);
    unfinished.push(...this.ledger.clearBuffer());
    this.cancelWatch?.stop();
    const report = this.ledger.takeReport();
    this.lease.stop();
    await lastClaim(this.engine, this.logger, {
      request: { queue: this.queue, workerId: this.id, ...report, release: unfinished, ...this.gates },
      waitMs: Math.max(0, deadline - performance.now()) + LAST_CALL_MS,
      timeoutMs: timeoutMs + LAST_CALL_MS,
    });
  }

  /** Told at once that a user cancelled a job: dropped now, not at the next round trip (which says it again). */
  private cancelledNow(id: string): void {
    if (!this.runner.isRunning(id) && !this.ledger.holds(id)) return;
    this.loop.drop(id, new JobCancelledError(id));
    this.ledger.forgetCancelled(id);
  }
}
