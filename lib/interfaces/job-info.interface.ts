/**
 * `waiting` and `delayed` are queued; `waiting-children` is a flow's parent (or a job enqueued with
 * `dependsOn`) waiting for the jobs it depends on to end; `failed` means an attempt failed and a
 * retry is scheduled; `dead` is final failure, kept in the dead-letter queue; `skipped` is final:
 * its handler called `ctx.skip(reason)` (neither failed nor retried).
 * @publicApi
 */
export type JobState = 'waiting' | 'waiting-children' | 'delayed' | 'active' | 'completed' | 'skipped' | 'failed' | 'dead' | 'cancelled';

/** The states `getStats()` counts; skipped jobs are kept, trimmed and counted with the completed ones. @publicApi */
export type CountedState = Exclude<JobState, 'skipped'>;

/** @publicApi */
export const JOB_STATES: readonly CountedState[] = [
  'waiting',
  'waiting-children',
  'delayed',
  'active',
  'completed',
  'failed',
  'dead',
  'cancelled',
];

/**
 * Why a job is in the dead-letter queue: its attempts ran out, it threw `UnrecoverableError`,
 * `@Retry`'s `retryIf` refused its error, its workers died with it too often, or no worker with
 * its handler took it within `noHandlerPatienceMs`.
 * @publicApi
 */
export type DeadReason = 'attempts exhausted' | 'unrecoverable' | 'retryIf' | 'stalled too often' | 'no handler' | 'child failed';

/**
 * One failed attempt, kept in the job's error history.
 * @publicApi
 */
export interface JobErrorRecord {
  attempt: number;
  message: string;
  name?: string;
  stack?: string;
  at: number;
  /** The worker that ran the attempt (`host:pid:random`). */
  worker?: string;
}

/**
 * One trip of a job out of the dead-letter queue. Its attempts started again from 1; the first
 * `errorCount` errors it met (as `JobInfo.errorCount` counts them) are from before this trip.
 * @publicApi
 */
export interface JobRedrive {
  at: Date;
  /** Why it had died. */
  deadReason: DeadReason;
  errorCount: number;
}

/**
 * A job as `getJob(id)` reports it.
 * @publicApi
 */
export interface JobInfo<TData = unknown, TResult = unknown> {
  id: string;
  name: string;
  queue: string;
  state: JobState;
  data: TData;
  priority: number;
  /** Attempts started so far. */
  attempts: number;
  maxAttempts: number;
  result?: TResult;
  /** The errors of its last 20 failed attempts, oldest first (messages cut to 4,096 characters, stacks to 8,192). */
  errors: JobErrorRecord[];
  /** Errors it met in all; more than `errors.length` once older ones were dropped. */
  errorCount: number;
  progress?: unknown;
  logs: string[];
  /** Times its worker lost the lease while running it. */
  stalls: number;
  /** Why a `dead` job ended there. */
  deadReason?: DeadReason;
  /** Why a `skipped` job was skipped (`ctx.skip(reason)`). */
  skipReason?: string;
  /** A parent in `waiting-children`: how many of the jobs it waits for have not ended yet (see `getFlow`). */
  waitingChildren?: number;
  /** The jobs (flow parents, or jobs enqueued with `dependsOn`) that wait for this one. */
  parents?: string[];
  /** Each time the job was sent back from the dead-letter queue (`redrive`), oldest first. */
  redrives: JobRedrive[];
  enqueuedAt: Date;
  runAt?: Date;
  startedAt?: Date;
  finishedAt?: Date;
}

/** @publicApi */
export type QueueCounts = Record<CountedState, number>;

/**
 * What this process's workers did with the jobs of one name since it started (counted in memory,
 * not read from storage). `failed` counts failed attempts, each then `retried` or `dead`;
 * `timedOut` is the part of `failed` that ran out of time.
 * @publicApi
 */
export interface JobNameStats {
  queue: string;
  started: number;
  completed: number;
  failed: number;
  retried: number;
  dead: number;
  cancelled: number;
  /** Jobs its handler ended with `ctx.skip(reason)`. */
  skipped: number;
  timedOut: number;
  /** Total milliseconds handlers ran (completed, failed and cancelled attempts). */
  runMs: number;
  /** Total milliseconds first attempts waited from enqueue to start. */
  waitMs: number;
}

/** @publicApi */
export interface BackgroundStats {
  /** Counts per state, cluster-wide, read from storage. */
  queues: Record<string, QueueCounts>;
  /** `fireAndForget` tasks of this process that threw or rejected since it started. */
  fireAndForgetFailures: number;
  /** Events this process emitted since it started that matched no subscriber (nothing was stored). */
  eventsWithoutSubscribers: number;
  /** Per job name, what this process's workers did (see `JobNameStats`). */
  names: Record<string, JobNameStats>;
}
