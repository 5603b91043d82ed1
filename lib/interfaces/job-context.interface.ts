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
}
