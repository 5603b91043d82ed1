import { Logger } from '@nestjs/common';
import { ANNOTATION_LOST } from '../background.messages.js';
import { printable } from '../logging/printable.js';
import type { JobContext } from '../interfaces/job-context.interface.js';
import type { StorageEngine, ClaimedJob } from '../engine/storage-engine.interface.js';

const logger = new Logger('Background');

/**
 * The `ctx` a handler receives; progress and log lines go to the engine while the job is held.
 * The abort signal is made on first use: most handlers never look at it.
 */
export class RunningJobContext implements JobContext {
  readonly id: string;
  readonly name: string;
  readonly attempt: number;
  readonly maxAttempts: number;
  private controller?: AbortController;
  private abortReason?: Error;
  private annotationLost = false;

  constructor(
    private readonly job: ClaimedJob,
    readonly queue: string,
    private readonly engine: StorageEngine,
    private readonly workerId: string,
  ) {
    this.id = job.id;
    this.name = job.name;
    this.attempt = job.attempt;
    this.maxAttempts = job.maxAttempts;
  }

  get enqueuedAt(): Date {
    return new Date(this.job.enqueuedAt);
  }

  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.abortReason) this.controller.abort(this.abortReason);
    }
    return this.controller.signal;
  }

  /** Aborts `signal`, now or, if nobody asked for it yet, as soon as somebody does. */
  abort(reason: Error): void {
    if (this.abortReason) return;
    this.abortReason = reason;
    this.controller?.abort(reason);
  }

  progress(value: unknown): Promise<void> {
    return this.annotate({ progress: JSON.stringify(value ?? null) });
  }

  log(message: string): Promise<void> {
    return this.annotate({ log: String(message) });
  }

  /**
   * Never rejects: handlers call these without awaiting them (`void ctx.log(...)`), and a
   * rejection there during a Redis outage was unhandled and ended the process. A line that is
   * lost costs nothing the job needs.
   */
  private async annotate(note: { progress?: string; log?: string }): Promise<void> {
    try {
      await this.engine.annotate(this.queue, this.workerId, this.id, note);
    } catch (error) {
      if (this.annotationLost) return;
      this.annotationLost = true;
      // the outage itself is told once by the connection; one line per job would repeat it
      logger.debug(ANNOTATION_LOST(printable(this.id), printable(this.name), (error as Error)?.message ?? String(error)));
    }
  }
}

