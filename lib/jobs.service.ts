import { Inject, Injectable } from '@nestjs/common';
import { BACKGROUND_CONFIG } from './background.constants.js';
import { DEFAULT_QUEUE, type BackgroundConfig } from './background.config.js';
import { assertQueueName, integer } from './background-options.checks.js';
import { JOB_CANCELLED, JOB_DEAD, JOB_NOT_FOUND, WAIT_TIMEOUT } from './background.messages.js';
import { STORAGE_ENGINE, type NewJob, type StorageEngine } from './engine/storage-engine.interface.js';
import type { StoredJob } from './engine/stored-job.interface.js';
import { InvalidOptionsError } from './errors/invalid-options.error.js';
import { JobFailedError } from './errors/job-failed.error.js';
import { JobNotFoundError } from './errors/job-not-found.error.js';
import { WaitTimeoutError } from './errors/wait-timeout.error.js';
import type { EnqueueOptions, EnqueueResult, WaitForOptions } from './interfaces/enqueue-options.interface.js';
import type { BackgroundStats, JobInfo } from './interfaces/job-info.interface.js';
import { jobName, type JobDefinition } from './job.definition.js';
import { deserialize } from './payload/payload.codec.js';
import { DeadLetterService } from './dead-letter/dead-letter.service.js';
import type { DeadLetterFilter, ListDeadOptions } from './dead-letter/dead-letter-filter.interface.js';
import { StorageGateway } from './storage.gateway.js';
import { JobPreparer } from './job-preparer.js';
import { toJobInfo } from './engine/stored-job.mapper.js';
import type { EventDefinition } from './events/event.definition.js';
import { EventPublisher } from './events/event.publisher.js';
import type { EmitOptions, EmitResult } from './events/on-event-options.interface.js';
import { FireAndForgetRunner } from './worker/fire-and-forget.runner.js';
import { JobTally } from './hooks/job-tally.js';
import { MAX_TIMER_MS } from './worker/timer-delay.js';
import { FlowsService } from './flows/flows.service.js';
import { BatchesService } from './flows/batches.service.js';
import type { BatchInfo, BatchItem, BatchOptions } from './interfaces/batch.interface.js';
import type { FlowInfo, FlowNode, FlowResult } from './interfaces/flow.interface.js';

/** One item of `enqueueMany`; with a `defineJob` definition as name, `data` is type-checked. @publicApi */
export type EnqueueItem<TData = unknown> =
  | { name: string; data: unknown; options?: EnqueueOptions }
  | { name: JobDefinition<TData, any>; data: TData; options?: EnqueueOptions };

type CheckedItem<T> = T extends { name: JobDefinition<infer D, any> }
  ? { name: JobDefinition<D, any>; data: D; options?: EnqueueOptions }
  : { name: string; data: unknown; options?: EnqueueOptions };

/**
 * Enqueue jobs, look them up, wait for them, cancel them; pause and resume queues; look into
 * and redrive the dead-letter queue.
 * @publicApi
 */
@Injectable()
export class JobsService {
  constructor(
    @Inject(BACKGROUND_CONFIG) private readonly config: BackgroundConfig,
    @Inject(STORAGE_ENGINE) private readonly engine: StorageEngine,
    private readonly storage: StorageGateway,
    private readonly preparer: JobPreparer,
    private readonly deadLetters: DeadLetterService,
    private readonly events: EventPublisher,
    private readonly detached: FireAndForgetRunner,
    private readonly tally: JobTally,
    private readonly flows: FlowsService,
    private readonly batches: BatchesService,
  ) {}

  /**
   * Durable once the promise resolves. With `jobId`, a second call with the same id returns the
   * first job and changes nothing.
   */
  enqueue<TData, TResult>(job: JobDefinition<TData, TResult>, data: TData, options?: EnqueueOptions): Promise<EnqueueResult>;
  enqueue(name: string, data: unknown, options?: EnqueueOptions): Promise<EnqueueResult>;
  async enqueue(job: string | JobDefinition<any, any>, data: unknown, options: EnqueueOptions = {}): Promise<EnqueueResult> {
    return this.enqueueOne(jobName(job), data, options, false);
  }

  /** @internal for a schedule's ticks, whose ids (`schedule:<name>:<due>`) `enqueue` refuses to callers */
  enqueueTick(job: string, data: unknown, options: EnqueueOptions): Promise<EnqueueResult> {
    return this.enqueueOne(job, data, options, true);
  }

  /** @internal a tick's job, validated as `enqueueTick` does, for an engine that stores it synchronously (see ScheduleOrchestrator) */
  prepareTick(job: string, data: unknown, options: EnqueueOptions): NewJob | Promise<NewJob> {
    return this.preparer.prepare(job, data, options, true);
  }

  /** Many jobs, written in atomic batches of up to 1000 per queue; all are validated before any is written. */
  async enqueueMany<T extends readonly EnqueueItem<any>[]>(
    items: [...T] & { [K in keyof T]: CheckedItem<T[K]> },
  ): Promise<EnqueueResult[]> {
    if (!Array.isArray(items)) throw new InvalidOptionsError('enqueueMany() expects an array of { name, data, options? }.');
    const jobs = await Promise.all(
      (items as readonly EnqueueItem[]).map((item) => {
        try {
          return this.preparer.prepare(jobName(item.name), item.data, item.options ?? {});
        } catch (error) {
          // rejected, not thrown: Promise.all must still see every look-up already under way
          return Promise.reject(error as Error);
        }
      }),
    );
    const results = await this.storage.call(this.engine.enqueue(jobs));
    return results.map(({ id }) => ({ id }));
  }

  /** Stores a tree of jobs in one atomic step; each parent runs once its children ended (see `FlowsService`). */
  flow<TData>(tree: FlowNode<TData>): Promise<FlowResult> {
    return this.flows.flow(tree, (name, data, options) => this.preparer.prepare(name, data, options));
  }

  /** Stores `items` (any iterable, in atomic chunks of 1,000) as one batch; its callbacks run once, when all ended (see `BatchesService`). */
  batch(items: Iterable<BatchItem> | AsyncIterable<BatchItem>, options: BatchOptions = {}): Promise<{ id: string }> {
    return this.batches.batch(items, options, (name, data, opts) => this.preparer.prepare(name, data, opts), () => this.preparer.nextId());
  }

  /** A batch's progress and summary; null when no batch has that id. */
  getBatch(id: string): Promise<BatchInfo | null> {
    return this.batches.getBatch(id, (job) => this.find(job));
  }

  /** The flow from `id` down (a job of any flow, or one enqueued with `dependsOn`), each job with its state; null if none. */
  getFlow(id: string): Promise<FlowInfo | null> {
    return this.flows.getFlow(id, (job) => this.find(job));
  }

  /**
   * Durable once the promise resolves: one job per `@OnEvent` subscriber of the cluster whose
   * pattern matches, all stored in one atomic step; see `EventPublisher`.
   */
  emit<TPayload>(event: EventDefinition<TPayload>, payload: TPayload, options?: EmitOptions): Promise<EmitResult>;
  emit(event: string, payload: unknown, options?: EmitOptions): Promise<EmitResult>;
  emit(event: string | EventDefinition<any>, payload: unknown, options?: EmitOptions): Promise<EmitResult> {
    return this.events.emit(event, payload, options);
  }

  /**
   * Runs `fn(data)` in this process on the next tick; not durable, not retried, for work that may
   * be lost. Its errors are logged and counted (`getStats().fireAndForgetFailures`), never thrown.
   */
  fireAndForget<T>(fn: (data: T) => unknown, data?: T): void {
    this.detached.run(fn, data);
  }

  async getJob<TData = unknown, TResult = unknown>(id: string): Promise<JobInfo<TData, TResult> | null> {
    const stored = await this.find(id);
    return stored && toJobInfo<TData, TResult>(stored);
  }

  /**
   * Resolves with the job's result; rejects with `JobFailedError` if it ends dead or cancelled.
   * Storage wakes the wait when the job settles, in whichever process; a result that retention
   * deletes as the job settles still reaches the caller.
   */
  async waitFor<TResult = unknown>(id: string, options: WaitForOptions = {}): Promise<TResult> {
    const timeoutMs = integer('waitFor()', 'timeoutMs', options.timeoutMs, 30_000, 0);
    assertJobId(id);
    // the longest a Node timer waits: a longer wait ("forever") ends there, rather than at once
    const deadline = Date.now() + Math.min(timeoutMs, MAX_TIMER_MS);
    // during an outage, give up by the deadline rather than after enqueueTimeoutMs
    await this.storage.call(this.engine.connect(Math.max(1, Math.min(deadline - Date.now(), this.config.enqueueTimeoutMs))));
    for (const queue of await this.storage.queues()) {
      const job = await this.storage.call(this.engine.waitForSettled(queue, id, Math.max(0, deadline - Date.now())));
      if (!job) continue;
      if (job.state === 'completed' || job.state === 'skipped') return deserialize<TResult>(job.result) as TResult;
      if (job.state === 'dead') {
        throw new JobFailedError(JOB_DEAD(id, job.name, job.errors.at(-1)?.message ?? 'unknown error'));
      }
      if (job.state === 'cancelled') throw new JobFailedError(JOB_CANCELLED(id));
      throw new WaitTimeoutError(WAIT_TIMEOUT(id, timeoutMs, job.state));
    }
    throw new JobNotFoundError(JOB_NOT_FOUND(id));
  }

  /**
   * Removes a waiting or delayed job, or aborts `ctx.signal` of an active one. Resolves true if
   * it did, false if the job had already finished or no job has this id (also one trimmed by
   * retention): either way, nothing of it is left to run.
   */
  async cancel(id: string): Promise<boolean> {
    for (const queue of await this.storage.queues()) {
      const outcome = await this.storage.call(this.engine.cancel(queue, id));
      if (outcome === 'cancelled') return true;
      if (outcome === 'finished') return false;
    }
    return false;
  }

  /** Cancels `id` and the jobs below it in its flow not ended yet, parents first; how many it cancelled. */
  cancelFlow(id: string): Promise<number> {
    return this.flows.cancelFlow(id, (job) => this.find(job));
  }

  /** Stops claiming from the queue on every worker of the cluster; enqueue still works. */
  async pause(queue: string = DEFAULT_QUEUE): Promise<void> {
    assertQueueName('pause()', queue);
    await this.storage.call(this.engine.setPaused(queue, true));
  }

  async resume(queue: string = DEFAULT_QUEUE): Promise<void> {
    assertQueueName('resume()', queue);
    await this.storage.call(this.engine.setPaused(queue, false));
  }

  async getStats(): Promise<BackgroundStats> {
    const queues = await this.storage.queues();
    const counts = await this.storage.call(Promise.all(queues.map((queue) => this.engine.counts(queue))));
    return {
      queues: Object.fromEntries(queues.map((queue, index) => [queue, counts[index]!])),
      names: this.tally.snapshot(),
      fireAndForgetFailures: this.detached.failures,
      eventsWithoutSubscribers: this.events.unmatched,
    };
  }

  /** Dead jobs, newest first; see `DeadLetterService.list`. */
  listDead<TData = unknown, TResult = unknown>(options?: ListDeadOptions): Promise<JobInfo<TData, TResult>[]> {
    return this.deadLetters.list<TData, TResult>(options);
  }

  countDead(filter?: DeadLetterFilter): Promise<number> {
    return this.deadLetters.count(filter);
  }

  /** Back to waiting with fresh attempts, same id, history kept; see `DeadLetterService.redrive`. */
  redrive(id: string): Promise<boolean>;
  redrive(filter: DeadLetterFilter): Promise<number>;
  redrive(target: string | DeadLetterFilter): Promise<boolean | number> {
    return this.deadLetters.redrive(target as DeadLetterFilter);
  }

  purgeDead(id: string): Promise<boolean>;
  purgeDead(filter?: DeadLetterFilter): Promise<number>;
  purgeDead(target?: string | DeadLetterFilter): Promise<boolean | number> {
    return this.deadLetters.purge(target as DeadLetterFilter);
  }

  private async enqueueOne(name: string, data: unknown, options: EnqueueOptions, reservedId: boolean): Promise<EnqueueResult> {
    if (options?.dependsOn !== undefined || options?.onDependencyFailure !== undefined) {
      return this.flows.dependOn(name, data, options, (...args) => this.preparer.prepare(...args, reservedId), (id) => this.find(id));
    }
    const prepared = this.preparer.prepare(name, data, options, reservedId);
    const [result] = await this.storage.call(this.engine.enqueue([prepared instanceof Promise ? await prepared : prepared]));
    return { id: result!.id };
  }

  private async find(id: string): Promise<StoredJob | null> {
    assertJobId(id);
    for (const queue of await this.storage.queues()) {
      const job = await this.storage.call(this.engine.getJob(queue, id));
      if (job) return job;
    }
    return null;
  }
}

function assertJobId(id: unknown): void {
  if (typeof id !== 'string' || id === '') throw new InvalidOptionsError('A job id must be a non-empty string, as returned by enqueue().');
}
