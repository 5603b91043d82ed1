import type { JobContext } from '../interfaces/job-context.interface.js';
import type { EventContext } from './on-event-options.interface.js';

/** The job's context as an `@OnEvent` handler sees it: the same job, and which event it was. */
export class EventJobContext implements EventContext {
  constructor(
    private readonly job: JobContext,
    readonly event: string,
    readonly eventId: string,
  ) {}

  get id(): string {
    return this.job.id;
  }

  get name(): string {
    return this.job.name;
  }

  get queue(): string {
    return this.job.queue;
  }

  get attempt(): number {
    return this.job.attempt;
  }

  get maxAttempts(): number {
    return this.job.maxAttempts;
  }

  get signal(): AbortSignal {
    return this.job.signal;
  }

  get enqueuedAt(): Date {
    return this.job.enqueuedAt;
  }

  progress(value: unknown): Promise<void> {
    return this.job.progress(value);
  }

  log(message: string): Promise<void> {
    return this.job.log(message);
  }

  children: JobContext['children'] = ((job?: string) => this.job.children(job as string)) as JobContext['children'];

  skip(reason?: string): never {
    return this.job.skip(reason);
  }
}
