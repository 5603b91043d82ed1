import { Logger } from '@nestjs/common';
import { ANNOTATION_LOST, PROGRESS_TOO_LARGE } from '../background.messages.js';
import { InvalidPayloadError } from '../errors/invalid-payload.error.js';
import { printable } from '../logging/printable.js';
import type { JobContext } from '../interfaces/job-context.interface.js';
import type { StorageEngine, ClaimedJob } from '../engine/storage-engine.interface.js';
import { bounded, describe } from './thrown-value.js';
import { JobSkipped } from '../errors/job-skipped.error.js';
import type { ChildOutcome } from '../interfaces/flow.interface.js';
import { jobName, type JobDefinition } from '../job.definition.js';
import { deserialize } from '../payload/payload.codec.js';

/** The most children `ctx.children()` reads (a flow's limit). */
const MAX_CHILDREN = 100_000;

const logger = new Logger('Background');

/**
 * What a job's record holds of its progress and log: storage reads the progress with the job's
 * state at every transition, so it stays small; the last 100 log lines are kept (see annotate.lua).
 */
export const ANNOTATION_LIMITS = { progressBytes: 8192, logLine: 2000 } as const;

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
    const text = JSON.stringify(value ?? null);
    const limit = ANNOTATION_LIMITS.progressBytes;
    // UTF-8 takes at most 3 bytes per UTF-16 unit: short texts need no counting
    if (text.length * 3 > limit && Buffer.byteLength(text) > limit) {
      throw new InvalidPayloadError(PROGRESS_TOO_LARGE(this.id, this.name, Buffer.byteLength(text), limit));
    }
    return this.annotate({ progress: text });
  }

  log(message: string): Promise<void> {
    return this.annotate({ log: bounded(describe(message), ANNOTATION_LIMITS.logLine) });
  }

  children<TResult = unknown>(job?: JobDefinition<any, TResult> | string): Promise<Record<string, ChildOutcome<TResult>>> {
    const name = job === undefined ? undefined : jobName(job);
    return this.engine.flows.read(this.queue, this.id, { shallow: true, max: MAX_CHILDREN + 1 }).then((nodes) => {
      const children: Record<string, ChildOutcome<TResult>> = {};
      for (const node of nodes.slice(1)) {
        if (name !== undefined && node.name !== name) continue;
        const child: ChildOutcome<TResult> = { id: node.id, name: node.name, queue: node.queue, state: node.ended?.state ?? 'waiting', onFailure: node.policy || 'fail-parent' };
        if (node.ended?.state === 'completed') child.result = deserialize<TResult>(node.ended.text);
        else if (node.ended?.state === 'skipped') child.skipReason = node.ended.text;
        else if (node.ended) child.error = node.ended.text;
        children[node.id] = child;
      }
      return children;
    });
  }

  skip(reason = 'skipped by its handler'): never {
    throw new JobSkipped(bounded(describe(reason), ANNOTATION_LIMITS.logLine));
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

