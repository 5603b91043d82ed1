/**
 * Thrown by `ctx.skip(reason)`: the runner records the job as `skipped`, neither failed nor
 * retried. A handler that catches errors must rethrow it.
 * @publicApi
 */
export class JobSkipped extends Error {
  constructor(readonly reason: string) {
    super(`Job skipped: ${reason}`);
    this.name = 'JobSkipped';
  }

  /** Whether a handler threw this; never throws itself, whatever was thrown (a Proxy whose traps throw). */
  static thrownBy(value: unknown): value is JobSkipped {
    try {
      return value instanceof JobSkipped;
    } catch {
      return false;
    }
  }
}
