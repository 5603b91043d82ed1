import type { JobDefinition } from '../job.definition.js';
import type { ChildOutcome } from './flow.interface.js';

/**
 * What a `@Job` handler receives beside its payload.
 * @publicApi
 */
export interface JobContext {
  readonly id: string;
  readonly name: string;
  readonly queue: string;
  /** 1-based number of this attempt. */
  readonly attempt: number;
  readonly maxAttempts: number;
  /** Aborted on timeout, on `cancel(id)`, and when shutdown gives up waiting. */
  readonly signal: AbortSignal;
  readonly enqueuedAt: Date;
  /**
   * Record progress (any JSON value, at most 8 KB as JSON: a larger one throws `InvalidPayloadError`)
   * visible through `getJob(id)`. Best-effort: never rejects, a value Redis could not take is dropped.
   */
  progress(value: unknown): Promise<void>;
  /**
   * Append a line to the job's log (the last 100 lines are kept, each cut to 2,000 characters).
   * Best-effort: never rejects, a line Redis could not take is dropped.
   */
  log(message: string): Promise<void>;
  /**
   * A flow's parent (or a job enqueued with `dependsOn`): how each of its children ended, keyed by
   * child id, read from storage on each call. Given a `defineJob` definition (or a name), only the
   * children of that name, their results typed by the definition.
   */
  children(): Promise<Record<string, ChildOutcome>>;
  children<TResult>(job: JobDefinition<any, TResult> | string): Promise<Record<string, ChildOutcome<TResult>>>;
  /**
   * Ends the job as `skipped`, with `reason`: its own outcome, neither failed nor retried, counted
   * apart, and success to a parent waiting on it. Throws (a `JobSkipped` the runner catches): code after
   * it does not run; a handler that catches it must rethrow it.
   */
  skip(reason?: string): never;
}
