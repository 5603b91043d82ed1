import { JobSkipped } from '../errors/job-skipped.error.js';
import type { ChildOutcome } from '../interfaces/flow.interface.js';
import type { JobContext } from '../interfaces/job-context.interface.js';

/**
 * The context of a subscriber called by a local `emitAsync()`: no job is stored, so it is the one
 * and only attempt, its progress and log lines go nowhere, nothing aborts it, and it has no children.
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

  children(): Promise<Record<string, ChildOutcome<any>>> {
    return Promise.resolve({});
  }

  /** Ends this call of the subscriber: its result is `undefined`, and nothing is logged. */
  skip(reason = 'skipped by its handler'): never {
    throw new JobSkipped(reason);
  }
}
