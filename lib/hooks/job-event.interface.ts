import type { BreakerTransition } from '../engine/ports/breaker-store.interface.js';

/**
 * What happened. Job events fire in the process whose worker ran the attempt, once per attempt
 * (`failed` then `retrying` or `dead`); breaker events fire once across the whole cluster, in the
 * process whose call made the transition.
 * @publicApi
 */
export type JobEventType =
  | 'started'
  | 'completed'
  | 'failed'
  | 'retrying'
  | 'dead'
  | 'cancelled'
  | 'skipped'
  | 'breaker.open'
  | 'breaker.half-open'
  | 'breaker.closed';

/**
 * One attempt of a job reached a point of its life. `durationMs` is how long the handler ran
 * (not on `started`); `waitMs` (on `started` of a first attempt) how long the job waited from
 * enqueue to start.
 * @publicApi
 */
export interface JobRunEvent {
  type: Exclude<JobEventType, `breaker.${string}`>;
  id: string;
  name: string;
  queue: string;
  /** 1-based. */
  attempt: number;
  maxAttempts: number;
  /** When it happened (epoch ms). */
  at: number;
  durationMs?: number;
  waitMs?: number;
  /** `completed`: what the handler returned. */
  result?: unknown;
  /** `failed`, `retrying`, `dead`: the attempt's error. */
  error?: Error;
  /** `failed`, `retrying`, `dead`: the attempt ran out of its `timeoutMs`. */
  timedOut?: boolean;
  /** `retrying`: milliseconds until the next attempt. */
  retryInMs?: number;
  /** `skipped`: why (`ctx.skip(reason)`). */
  reason?: string;
  /** `dead`: why no attempt follows. */
  deadReason?: 'attempts exhausted' | 'unrecoverable' | 'retryIf';
}

/**
 * A circuit breaker changed state (`breaker.open`, `breaker.half-open`, `breaker.closed`).
 * @publicApi
 */
export interface BreakerEvent {
  type: `breaker.${BreakerTransition['to']}`;
  breaker: string;
  /** The queue whose handlers run behind it. */
  queue: string;
  at: number;
}

/** @publicApi */
export type JobEvent = JobRunEvent | BreakerEvent;
