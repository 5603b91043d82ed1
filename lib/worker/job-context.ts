import type { JobContext } from '../interfaces/job-context.interface.js';
import type { StorageEngine, ClaimedJob } from '../engine/storage-engine.interface.js';

/** The `ctx` a handler receives; progress and log lines go to the engine while the job is held. */
export class RunningJobContext implements JobContext {
  readonly id: string;
  readonly name: string;
  readonly attempt: number;
  readonly maxAttempts: number;
  readonly enqueuedAt: Date;

  constructor(
    job: ClaimedJob,
    readonly queue: string,
    readonly signal: AbortSignal,
    private readonly engine: StorageEngine,
    private readonly workerId: string,
  ) {
    this.id = job.id;
    this.name = job.name;
    this.attempt = job.attempt;
    this.maxAttempts = job.maxAttempts;
    this.enqueuedAt = new Date(job.enqueuedAt);
  }

  async progress(value: unknown): Promise<void> {
    await this.engine.annotate(this.queue, this.workerId, this.id, { progress: JSON.stringify(value ?? null) });
  }

  async log(message: string): Promise<void> {
    await this.engine.annotate(this.queue, this.workerId, this.id, { log: String(message) });
  }
}
