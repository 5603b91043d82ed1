import type { JobContext } from '../interfaces/job-context.interface.js';

/**
 * The context of a subscriber called by a local `emitAsync()`: no job is stored, so it is the one
 * and only attempt, its progress and log lines go nowhere, and nothing aborts it.
 */
export class LocalJobContext implements JobContext {
  readonly attempt = 1;
  readonly maxAttempts = 1;
  readonly signal: AbortSignal = new AbortController().signal;
  readonly enqueuedAt: Date = new Date();

  constructor(
    readonly id: string,
    readonly name: string,
    readonly queue: string,
  ) {}

  progress(): Promise<void> {
    return Promise.resolve();
  }

  log(): Promise<void> {
    return Promise.resolve();
  }
}
