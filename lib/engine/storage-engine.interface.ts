import type { BreakerSpec, BreakerStore, BreakerTransition } from './ports/breaker-store.interface.js';
import type { DashboardStore } from './ports/dashboard-store.interface.js';
import type { DeadLetterStore } from './ports/dead-letter-store.interface.js';
import type { SubscriptionStore } from './ports/subscription-store.interface.js';
import type { ScheduleStore } from './ports/schedule-store.interface.js';
import type { FlowStore } from './ports/flow-store.interface.js';
import type { DeadReason, JobErrorRecord, JobState, QueueCounts } from '../interfaces/job-info.interface.js';
import type { StoredJob } from './stored-job.interface.js';

/** Errors kept with a job, the latest; older ones are only counted (`StoredJob.errorCount`). lib.lua has the same. */
export const ERRORS_KEPT = 20;

/** Why a failed attempt is not retried, as a settlement's negative `retryInMs` (see claim.lua). */
export const NO_RETRY = { unrecoverable: -1, retryIf: -2, exhausted: -3 } as const;

export type { NewJob } from './new-job.interface.js';
import type { NewJob } from './new-job.interface.js';

/** A job a worker now holds a lease on. */
export interface ClaimedJob {
  id: string;
  name: string;
  data: string;
  attempt: number;
  maxAttempts: number;
  timeoutMs: number;
  enqueuedAt: number;
  priority: number;
  /** `NewJob.trace`, as it was stored. */
  trace?: string;
}

/**
 * What a worker reports about one job it held. `reserved`: the job was started from the reserve
 * since the worker's last call, so its start is recorded with its outcome.
 */
export type Settlement = { reserved?: boolean } & (
  | { id: string; outcome: 'completed'; result: string }
  /** The handler called `ctx.skip(reason)`: final, neither failed nor retried; success to a waiting parent. */
  | { id: string; outcome: 'skipped'; reason: string }
  /** `retryInMs` -1: no retry whatever attempts remain (UnrecoverableError); else the backoff delay. */
  /** `retryInMs` below 0: no retry, for the reason `NO_RETRY` codes. */
  | { id: string; outcome: 'failed'; error: JobErrorRecord; retryInMs: number }
  /**
   * The worker has no handler for the job (a rolling deploy): delayed by `retryInMs` for another
   * worker, using no attempt, until the patience runs out; then dead with `error`.
   */
  | { id: string; outcome: 'deferred'; error: JobErrorRecord; retryInMs: number });

export interface ClaimRequest {
  queue: string;
  workerId: string;
  /** Jobs to claim as started (free slots); 0 with `reserve` 0 only settles. */
  max: number;
  /**
   * Jobs to claim beyond `max` as reserved: held by this worker but not started, so if it dies
   * they go back to the queue without counting an attempt or a stall. Claimed after the `max`.
   * A job that was reserved by a worker that died is never reserved again, only claimed to start.
   */
  reserve: number;
  /** Reserved jobs this worker has started since its last call; their attempt begins now. */
  started: string[];
  settlements: Settlement[];
  /** Jobs handed back to the front of the queue after the settlements, no attempt or stall counted (shutdown). */
  release?: string[];
  /**
   * How many jobs the worker believes storage lists as its own before this call (running,
   * reserved, finished but not yet settled), and how many more claims under way may add. Storage
   * answers `reconcile` when its own count is outside that range.
   */
  held: number;
  inFlight: number;
  /** Job names with a handler concurrency limit, and how many more of each this worker may take. */
  limits?: [name: string, remaining: number][];
  /**
   * The worker stops for good (shutdown): after the settlements and releases, whatever storage
   * still lists as its own goes back to the queue (a claim answered after the worker stopped
   * waiting for it), and if jobs are delayed or due for retry another worker is woken to look
   * after them, since this one may have been the one waiting for them.
   */
  leaving?: boolean;
  /** Job names whose handlers run behind a circuit breaker, and its options. */
  breakers?: GuardedJob[];
  /**
   * Rate limits, cluster-wide: jobs of a name (or, with `jobName` null, of the whole queue) over
   * their limit are parked in storage until the window that lets them start; such jobs are only
   * claimed to start, never reserved.
   */
  rateLimits?: RateLimitRule[];
}

export interface RateLimitRule {
  /** null: every job of the queue. */
  jobName: string | null;
  max: number;
  perMs: number;
}

/**
 * A job name whose handler runs behind a circuit breaker. Storage parks its jobs while the breaker
 * is open, lets `halfOpenProbes` of them run while it is half-open, counts their outcomes, and
 * claims them only to start (a reserved one would wait in a worker while the breaker opens).
 */
export interface GuardedJob {
  jobName: string;
  breaker: BreakerSpec;
}

export interface ClaimResponse {
  jobs: ClaimedJob[];
  /** Milliseconds until a delayed job falls due or another worker's lease expires; null if none. */
  wakeInMs: number | null;
  /** Jobs this worker holds that a user cancelled since its last call. */
  cancelled: string[];
  /**
   * What storage holds for this worker differs from what the worker said it holds (its lease
   * expired and its jobs went to others, or a reply was lost): it must start nothing it held
   * before until `heartbeat` with its held ids has said which are still its own.
   */
  reconcile: boolean;
  /** The highest priority still waiting after this claim; null when none is, or the queue is paused. */
  topPriority: number | null;
  /** Breakers this claim opened, half-opened or closed: reported (logged) once across the cluster. */
  transitions: BreakerTransition[];
  /**
   * The worker's breakers that are not closed after this claim: jobs it reserved behind them must
   * not start (it hands them back).
   */
  shutBreakers: string[];
  /**
   * Milliseconds, from storage's now, until the first rate limit window that counted a job this
   * claim reserved ends: reserved rate-limited jobs not started by then go back. Null if none.
   */
  rateReserveMs: number | null;
}

/** A job the worker said it holds that storage no longer lists as its own. */
export interface GoneJob {
  id: string;
  /** True when a user cancelled it; otherwise the worker's lease had expired and it went to others. */
  cancelled: boolean;
}

export interface HeartbeatResponse {
  /** Jobs to stop working on (cancelled, or lost with the lease). */
  gone: GoneJob[];
}

/** Completed, skipped, dead or cancelled: a job in one of these states never changes again. */
export function isFinal(state: JobState): boolean {
  return state === 'completed' || state === 'skipped' || state === 'dead' || state === 'cancelled';
}

/** What health checks and metrics read of one queue at once. */
export interface QueueSnapshot {
  counts: QueueCounts;
  /**
   * Milliseconds, by storage's clock, since the oldest job ready to run (not delayed, not parked
   * behind a breaker or a rate limit, not reserved) was enqueued or fell due; null when none is.
   */
  oldestWaitingMs: number | null;
}

export type CancelOutcome = 'cancelled' | 'not-found' | 'finished';

/** A worker's watch for cancels of its jobs (`StorageEngine.watchCancels`). */
export interface CancelWatch {
  /** Resolves once cancels are heard at once, or once trying to listen failed; never rejects. */
  readonly listening: Promise<void>;
  stop(): void;
}

/**
 * Where jobs live. Every method that changes a job is one atomic step; nothing above this
 * interface knows which engine it runs on.
 */
export interface StorageEngine {
  /** The dead-letter queue of every queue. */
  readonly deadLetters: DeadLetterStore;
  /** Circuit breakers, for calls outside jobs and the runtime API. */
  readonly breakers: BreakerStore;
  /** The cluster's `@OnEvent` subscriptions. */
  readonly subscriptions: SubscriptionStore;
  /** Recurring schedules: definitions, pauses, and which process stores each tick. */
  readonly schedules: ScheduleStore;
  /** What the dashboard reads (pages of jobs, history, processes, audit log) and its promote. */
  readonly dashboard: DashboardStore;
  /** Flows: jobs that wait for other jobs to end. */
  readonly flows: FlowStore;
  /**
   * Resolves once the engine can take commands, or rejects naming what it could not reach after
   * `timeoutMs` (by default the configured `enqueueTimeoutMs`).
   */
  connect(timeoutMs?: number): Promise<void>;
  /** Jobs of one queue or several; `created: false` where the id already existed. */
  enqueue(jobs: NewJob[]): Promise<{ id: string; created: boolean }[]>;
  /** Settles finished jobs, recovers jobs of dead workers, promotes due jobs and claims up to `max`. */
  claim(request: ClaimRequest): Promise<ClaimResponse>;
  /** Blocks until work may be there, `until` (epoch ms) passes, or `interruptWaits` is called. */
  waitForWork(queue: string, until: number): Promise<void>;
  /** Ends every pending `waitForWork` at once (shutdown). */
  interruptWaits(): void;
  /**
   * Renews the worker's lease on all it holds, and recovers jobs of workers whose lease expired.
   * With `held` (every id the worker holds, sent only while none of its claims is under way) it
   * also reconciles: jobs storage lists as the worker's that it does not hold (a claim whose reply
   * was lost) go back to the queue, and held jobs storage no longer lists as its own are `gone`.
   */
  heartbeat(queue: string, workerId: string, held: string[] | null): Promise<HeartbeatResponse>;
  /** Records progress or a log line of a job the worker holds; ignored if it no longer holds it. */
  annotate(queue: string, workerId: string, id: string, note: { progress?: string; log?: string }): Promise<void>;
  getJob(queue: string, id: string): Promise<StoredJob | null>;
  /**
   * Resolves with the job once it is completed, dead or cancelled (at once if it already is), with
   * the job as it is when `timeoutMs` passes first, or with null if the queue has no such job.
   * Woken by the settlement itself, in any process; a job that retention deletes as it settles is
   * still reported.
   */
  waitForSettled(queue: string, id: string, timeoutMs: number): Promise<StoredJob | null>;
  cancel(queue: string, id: string): Promise<CancelOutcome>;
  /**
   * Calls `onCancelled(id)` as soon as a user cancels a job storage lists as `workerId`'s (running
   * or reserved), whichever process cancels it. Best effort: the worker still hears of each cancel
   * at its next `claim` (`cancelled`) or `heartbeat` (`gone`), also of one it was told of already.
   * Costs nothing per job.
   */
  watchCancels(queue: string, workerId: string, onCancelled: (id: string) => void): CancelWatch;
  setPaused(queue: string, paused: boolean): Promise<void>;
  counts(queue: string): Promise<QueueCounts>;
  /** Counts, and how long the queue's oldest runnable job has waited, in one step (one round trip). */
  snapshot(queue: string): Promise<QueueSnapshot>;
  /** Resolves once storage answered a trivial command; rejects if it cannot be reached. */
  ping(): Promise<void>;
  /** Publishes which queue serves each job name, so producers elsewhere can route and check names. */
  registerHandlers(routes: Map<string, string>): Promise<void>;
  /** The queue that serves `name` somewhere in the cluster, or null. */
  findHandlerQueue(name: string): Promise<string | null>;
  /** Every queue known to the engine (configured, registered or used). */
  knownQueues(): Promise<string[]>;
  close(): Promise<void>;
}

export const STORAGE_ENGINE = Symbol('STORAGE_ENGINE');
