import type { RateLimitOptions } from '../rate-limit/rate-limit-options.interface.js';
import type { ScheduleSwitches } from '../schedule/schedule-options.interface.js';
import type { Cluster, Redis, RedisOptions } from 'ioredis';

/**
 * How a failed attempt is spaced from the next one.
 * @publicApi
 */
export interface BackoffOptions {
  /** @default 'exponential' */
  type?: 'fixed' | 'exponential';
  /** Delay before the first retry; exponential doubles it each attempt. @default 1000 */
  delayMs?: number;
  /** Upper bound of any single delay. @default 60000 */
  maxDelayMs?: number;
  /** Spread each delay randomly over [delay/2, delay] so retries of many jobs do not line up. @default true */
  jitter?: boolean;
}

/**
 * Retention of completed (and cancelled) jobs; whichever limit is reached first trims.
 * @publicApi
 */
export interface KeepOptions {
  /** @default 1000 */
  count?: number;
  /** @default 86400000 (24 h) */
  ageMs?: number;
}

/**
 * Job defaults applied when neither `@Job` nor `enqueue` says otherwise.
 * @publicApi
 */
export interface JobDefaults {
  /** Total attempts, the first run included. @default 3 */
  attempts?: number;
  backoff?: BackoffOptions;
  /** Abort `ctx.signal` and fail the attempt after this long; 0 = no timeout. @default 0 */
  timeoutMs?: number;
  /** @default 'normal' */
  priority?: JobPriority;
  keepCompleted?: KeepOptions;
}

/**
 * `'high'` (10), `'normal'` (0), `'low'` (-10), or an integer from -1000 to 1000.
 * Higher runs first; FIFO within one priority.
 * @publicApi
 */
export type JobPriority = 'high' | 'normal' | 'low' | number;

/** @publicApi */
export interface QueueOptions {
  /**
   * Jobs of this queue run at once in this process.
   * @default the default queue's (10), or the largest `@Job` `concurrency` of the queue's handlers if more
   */
  concurrency?: number;
  /** At most `max` jobs of this queue start per `perMs`, across the cluster; the others wait in storage. */
  rateLimit?: RateLimitOptions;
}

/**
 * Options of `BackgroundModule.forRoot()`.
 * @publicApi
 */
export interface BackgroundModuleOptions {
  /** @default process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' */
  connection?: string | RedisOptions | Redis | Cluster;
  /** `'memory'` keeps everything in this process: same semantics, no durability. @default 'redis' */
  storage?: 'redis' | 'memory';
  /** First part of every Redis key. @default 'bg' */
  prefix?: string;
  /** `false`: this process only produces jobs; handlers are known but never run here. @default true */
  workers?: boolean;
  /** @default { default: { concurrency: 10 } } */
  queues?: Record<string, QueueOptions>;
  defaults?: JobDefaults;
  deadLetter?: {
    /** @default 10000 */
    maxSize?: number;
    /** @default 604800000 (7 days) */
    maxAgeMs?: number;
  };
  /** How long a worker's claim on its jobs lasts without renewal. @default 30000 */
  leaseMs?: number;
  /** A job whose worker lost its lease more than this many times goes to the dead-letter queue. @default 2 */
  maxStalls?: number;
  /**
   * A worker that claims a job it has no handler for (a rolling deploy: an older process) hands it
   * back for another worker, delayed by 5 s (or a fifth of this, if shorter) and using no attempt,
   * and leaves jobs of that name to other workers for half this long. Once this long has passed
   * since the first hand-back, the next worker without the handler that claims it sends it to the
   * dead-letter queue.
   * @default 600000 (10 minutes)
   */
  noHandlerPatienceMs?: number;
  /** How long `app.close()` waits for active jobs before aborting them and handing them back. @default 10000 */
  shutdownTimeoutMs?: number;
  /** Largest accepted payload, as serialized JSON. @default 524288 (512 KiB) */
  maxPayloadBytes?: number;
  /** How long `enqueue` waits for an unreachable Redis before it rejects. @default 5000 */
  enqueueTimeoutMs?: number;
  /**
   * `true`: a debug line for each job that starts, completes or is cancelled (schedule ticks and
   * event deliveries are jobs too), and for each emit no one subscribes to. Failures, dead jobs,
   * breaker transitions, start and shutdown are logged either way.
   * @default false
   */
  logJobs?: boolean;
  /**
   * The switches of `ScheduleModule.forRoot()`: `{ cronJobs: false }` and this process declares no
   * `@Cron` method (ours or `@nestjs/schedule`'s), so neither stores nor runs their ticks.
   * @default { cronJobs: true, intervals: true, timeouts: true }
   */
  schedule?: ScheduleSwitches;
}
