/**
 * `waiting` and `delayed` are queued; `failed` means an attempt failed and a retry is scheduled;
 * `dead` is final failure, kept in the dead-letter queue.
 * @publicApi
 */
export type JobState = 'waiting' | 'delayed' | 'active' | 'completed' | 'failed' | 'dead' | 'cancelled';

/** @publicApi */
export const JOB_STATES: readonly JobState[] = [
  'waiting',
  'delayed',
  'active',
  'completed',
  'failed',
  'dead',
  'cancelled',
];

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
  errors: JobErrorRecord[];
  progress?: unknown;
  logs: string[];
  /** Times its worker lost the lease while running it. */
  stalls: number;
  enqueuedAt: Date;
  runAt?: Date;
  startedAt?: Date;
  finishedAt?: Date;
}

/** @publicApi */
export type QueueCounts = Record<JobState, number>;

/** @publicApi */
export interface BackgroundStats {
  queues: Record<string, QueueCounts>;
}
