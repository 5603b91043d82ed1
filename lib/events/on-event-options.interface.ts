import type { JobPriority } from '../interfaces/background-options.interface.js';
import type { JobContext } from '../interfaces/job-context.interface.js';

/**
 * Options of `@OnEvent(pattern, options)`: a subscriber is a job handler, with `@Job`'s options.
 * @publicApi
 */
export interface OnEventOptions {
  /**
   * Names the subscriber, and so its jobs (`getJob(id).name`, dead-letter filters). Give one
   * to keep it when the class or method is renamed: jobs already stored keep the name they had.
   * @default 'Class@method'
   */
  name?: string;
  /**
   * The queue of its jobs. Subscribers of one event in one queue get their jobs in one atomic
   * step; across queues, see the README ("Durable events").
   * @default 'default'
   */
  queue?: string;
  /** At most this many runs of this subscriber at once in this process. */
  concurrency?: number;
  priority?: JobPriority;
  timeoutMs?: number;
  /** Total attempts, the first run included (else `@Retry`'s, else `defaults.attempts`). */
  attempts?: number;
  /**
   * From `@nestjs/event-emitter`, for local calls only: when the subscriber throws during a local
   * `emitAsync()` (`nestjs-background/event-emitter`), true logs the error and gives `undefined` as
   * its result, false rejects the `emitAsync()`. Its durable jobs are retried and dead-lettered
   * whatever this says.
   * @default true
   */
  suppressErrors?: boolean;
  /**
   * From `@nestjs/event-emitter`: in a local `emitAsync()`, the subscriber is called before the
   * others. Durable jobs of one emit have no order between subscribers (each is a job of its own).
   * @default false
   */
  prependListener?: boolean;
  /**
   * From EventEmitter2, accepted for a drop-in and without effect: a subscriber always runs after
   * the emit returns (a durable job, or a promise of `emitAsync()`).
   * @default false
   */
  async?: boolean;
  /** From EventEmitter2, accepted and without effect (see `async`). @default false */
  nextTick?: boolean;
  /** From EventEmitter2, accepted and without effect (see `async`). @default false */
  promisify?: boolean;
  /** From EventEmitter2, accepted and without effect: no listener object is returned by a decorator. @default false */
  objectify?: boolean;
  /**
   * From `@nestjs/event-emitter`'s module options, accepted here too: patterns always match "*"
   * (one segment) and "**" (any number of segments).
   * @default true
   */
  wildcard?: boolean;
}

/** The options of `OnEventOptions` that only `@nestjs/event-emitter`'s habits use (see each). */
export const EMITTER_OPTION_KEYS = ['suppressErrors', 'prependListener', 'async', 'nextTick', 'promisify', 'objectify', 'wildcard'] as const;

/** @publicApi */
export interface EmitOptions {
  /**
   * Makes the emit idempotent: a second emit with the same id stores nothing new (each
   * subscriber's job id is `<id>:<subscriber>`).
   */
  id?: string;
}

/** @publicApi */
export interface EmitResult {
  /** The event's id. */
  id: string;
  /** How many subscribers it went to: one job each. */
  subscribers: number;
  /** The id of each subscriber's job (for `getJob`, `waitFor`). */
  jobIds: string[];
}

/**
 * The `ctx` of an `@OnEvent` handler: its job's context, and which event it was.
 * @publicApi
 */
export interface EventContext extends JobContext {
  /** The emitted event's name (the pattern may have wildcards). */
  readonly event: string;
  readonly eventId: string;
}
