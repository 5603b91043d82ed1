import { JOB_TIMED_OUT, NO_LOCAL_HANDLER } from '../background.messages.js';
import type { ClaimedJob, Settlement, StorageEngine } from '../engine/storage-engine.interface.js';
import type { BackgroundConfig } from '../background.config.js';
import type { JobHandler, JobHandlerRegistry } from '../registry/job-handler.registry.js';
import { JobCancelledError } from '../errors/job-cancelled.error.js';
import { JobSkipped } from '../errors/job-skipped.error.js';
import type { JobEvents } from '../hooks/job-events.js';
import type { JobTracer } from '../tracing/job.tracer.js';
import { RunningJobContext } from './job-context.js';
import { RunReporter } from './run-reporter.js';
import { readThrown, type ThrownValue } from './thrown-value.js';
import { timerDelay } from './timer-delay.js';

/** What a worker tells of its jobs, and in which trace they run. */
export interface RunnerHooks {
  events: JobEvents;
  tracer: JobTracer;
}

/** How long a job is held back for another worker when this one has no handler for it. */
const NO_HANDLER_RETRY_MS = 5000;

/** A handler with a concurrency limit of its own, and how many of its jobs run here. */
interface HandlerLoad {
  readonly limit: number;
  running: number;
}

interface RunningJob {
  readonly job: ClaimedJob;
  readonly handler: JobHandler | undefined;
  readonly ctx: RunningJobContext;
  readonly startedAt: number;
  timer?: NodeJS.Timeout;
  timedOut?: boolean;
  /** Its handler's load, if that has a concurrency limit. */
  load?: HandlerLoad;
}

/**
 * Runs the handlers of one worker's jobs: starts them, enforces their timeout and their
 * handler's own concurrency limit, and turns each outcome into a settlement. It knows nothing
 * of leases or storage round trips: a job it is told to drop is aborted and never settled.
 */
export class JobRunner {
  /** Logs and events of each attempt; the worker tells breaker transitions through it too. */
  readonly report: RunReporter;
  private readonly running = new Map<string, RunningJob>();
  /** The handlers with a concurrency limit of their own, by job name. */
  private readonly perHandler = new Map<string, HandlerLoad>();
  private onIdle: (() => void) | null = null;
  /** Job names met without a handler here, and until when to leave them to other workers. */
  private readonly unhandled = new Map<string, number>();

  constructor(
    private readonly queue: string,
    private readonly workerId: string,
    private readonly engine: StorageEngine,
    private readonly registry: JobHandlerRegistry,
    private readonly config: BackgroundConfig,
    /** Called once per job that ran to an outcome, with how long it ran. */
    private readonly onFinished: (settlement: Settlement, ms: number, name: string) => void,
    private readonly hooks: RunnerHooks,
  ) {
    this.report = new RunReporter(queue, hooks.events, config.logJobs);
    for (const { name, concurrency } of registry.limited()) this.perHandler.set(name, { limit: concurrency, running: 0 });
  }

  get size(): number {
    return this.running.size;
  }

  ids(): string[] {
    return [...this.running.keys()];
  }

  isRunning(id: string): boolean {
    return this.running.has(id);
  }

  /** Whether the handler of `job` is below its own concurrency limit here. */
  hasRoomFor(job: ClaimedJob): boolean {
    const load = this.perHandler.get(job.name);
    return !load || load.running < load.limit;
  }

  /**
   * How many more jobs of a name may be claimed: for handlers with a concurrency limit below the
   * worker's `slots`, given those running and `claimed`; none, for a while, of a name this process
   * has no handler for. A limit of `slots` or more never binds before the worker's own does: such
   * a handler's jobs are claimed (and reserved ahead) as any others, at no cost. Limiting them
   * made the worker ask for more jobs than it might take, and storage look through hundreds a
   * claim only to put them back.
   */
  limits(claimed: readonly ClaimedJob[], slots: number): [string, number][] {
    const limits: [string, number][] = [];
    for (const [name, { limit, running }] of this.perHandler) {
      if (limit >= slots) continue;
      let taken = running;
      for (const job of claimed) if (job.name === name) taken++;
      limits.push([name, Math.max(0, limit - taken)]);
    }
    if (this.unhandled.size === 0) return limits;
    const now = performance.now();
    for (const [name, until] of this.unhandled) {
      if (until > now) limits.push([name, 0]);
      else this.unhandled.delete(name);
    }
    return limits;
  }

  /** Milliseconds until jobs of a name left to other workers may be claimed here again, or null. */
  unhandledFor(): number | null {
    let first: number | null = null;
    for (const until of this.unhandled.values()) if (first === null || until < first) first = until;
    return first === null ? null : Math.max(0, first - performance.now());
  }

  /**
   * Runs the job's handler: on the next microtask, or with `now` (a tick under a test's fake timers,
   * see `QueueWorker.runNow`) at once, inside the caller's turn; a handler that returns no promise
   * then settles at once too, leaving no timer behind.
   */
  start(job: ClaimedJob, now = false): void {
    const handler = this.registry.get(job.name);
    const ctx = new RunningJobContext(job, this.queue, this.engine, this.workerId);
    const load = handler?.concurrency ? this.perHandler.get(job.name) : undefined;
    const entry: RunningJob = { job, handler, ctx, startedAt: performance.now(), load };
    this.running.set(job.id, entry);
    if (load) load.running++;
    if (handler) this.report.started(job);
    const run = () => {
      if (!handler) throw new Error(NO_LOCAL_HANDLER(job.name, this.config.noHandlerPatienceMs));
      return this.hooks.tracer.run(job, this.queue, () => handler.invoke(JSON.parse(job.data), ctx));
    };
    const failed = (error: unknown) => {
      if (JobSkipped.thrownBy(error)) return this.finish(entry, { id: job.id, outcome: 'skipped', reason: error.reason }, error.reason);
      const thrown = readThrown(error);
      this.finish(entry, this.failure(entry, thrown), thrown);
    };
    const completed = (result: unknown) => {
      let stored: string;
      try {
        stored = result === undefined ? '' : JSON.stringify(result);
      } catch (error) {
        return failed(error);
      }
      this.finish(entry, { id: job.id, outcome: 'completed', result: stored }, result);
    };
    let outcome: unknown;
    if (now) {
      try {
        outcome = run();
      } catch (error) {
        return failed(error);
      }
      if (!isThenable(outcome)) return completed(outcome);
    }
    if (job.timeoutMs > 0) entry.timer = setTimeout(() => this.timeOut(entry), timerDelay(job.timeoutMs));
    (now ? Promise.resolve(outcome) : Promise.resolve().then(run)).then(completed, failed);
  }

  /** Forgets a running job without settling it and aborts its handler's signal; false if it was not running. */
  abort(id: string, reason: Error): boolean {
    const entry = this.running.get(id);
    if (!entry) return false;
    this.forget(entry);
    entry.ctx.abort(reason);
    if (reason instanceof JobCancelledError) this.report.cancelled(entry.job, performance.now() - entry.startedAt);
    return true;
  }

  /** Resolves once nothing runs. */
  idle(): Promise<void> {
    if (this.running.size === 0) return Promise.resolve();
    return new Promise((resolve) => (this.onIdle = resolve));
  }

  private timeOut(entry: RunningJob): void {
    if (this.running.get(entry.job.id) !== entry) return;
    // a timeout longer than a timer can wait is waited for in steps
    const left = entry.job.timeoutMs - (performance.now() - entry.startedAt);
    if (left >= 1) return void (entry.timer = setTimeout(() => this.timeOut(entry), timerDelay(left)));
    const thrown = readThrown(new Error(JOB_TIMED_OUT(entry.job.timeoutMs)));
    const settlement = this.failure(entry, thrown);
    entry.timedOut = true;
    entry.ctx.abort(thrown.error);
    this.finish(entry, settlement, thrown);
  }

  private failure({ job, handler }: RunningJob, thrown: ThrownValue): Settlement {
    const { name, message, stack } = thrown;
    const record = { attempt: job.attempt, name, message, stack, at: Date.now(), worker: this.workerId };
    if (!handler) {
      // a rolling deploy: a worker that has the handler may be up already, or soon
      const patience = this.config.noHandlerPatienceMs;
      // leave its jobs to workers that have the handler; look again after half the patience, so
      // that a job nobody can run still ends in time
      this.unhandled.set(job.name, performance.now() + patience / 2);
      return { id: job.id, outcome: 'deferred', error: { ...record, name: 'NoHandlerError' }, retryInMs: Math.min(NO_HANDLER_RETRY_MS, Math.ceil(patience / 5)) };
    }
    const retryInMs = handler.retry.next(thrown.error, job.attempt, job.maxAttempts);
    return { id: job.id, outcome: 'failed', error: record, retryInMs };
  }

  /**
   * Reports a job's outcome (`outcome`: what the handler returned, or what it threw as
   * `readThrown` read it), unless it was dropped meanwhile (cancelled, lease lost, shutdown).
   */
  private finish(entry: RunningJob, settlement: Settlement, outcome: unknown): void {
    if (this.running.get(entry.job.id) !== entry) return;
    this.forget(entry);
    const ms = performance.now() - entry.startedAt;
    this.report.finished(entry.job, entry.handler?.target, settlement, ms, outcome, entry.timedOut === true);
    this.onFinished(settlement, ms, entry.job.name);
  }

  private forget(entry: RunningJob): void {
    this.running.delete(entry.job.id);
    clearTimeout(entry.timer);
    if (entry.load) entry.load.running--;
    if (this.running.size === 0 && this.onIdle) {
      const resolve = this.onIdle;
      this.onIdle = null;
      resolve();
    }
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | null)?.then === 'function';
}
