import { Inject, Injectable } from '@nestjs/common';
import { BACKGROUND_CONFIG, ROUTE_REFRESH_MS } from './background.constants.js';
import { MAX_ATTEMPTS, resolvePriority, type BackgroundConfig } from './background.config.js';
import { assertKnownKeys, assertQueueName, integer } from './background-options.checks.js';
import { INVALID_OPTION, JOB_NAME_MISSING, JOB_NAME_NUL, RESERVED_JOB_ID, UNKNOWN_JOB } from './background.messages.js';
import { JobIdGenerator } from './engine/job-id.generator.js';
import { STORAGE_ENGINE, type NewJob, type StorageEngine } from './engine/storage-engine.interface.js';
import { InvalidOptionsError } from './errors/invalid-options.error.js';
import { UnknownJobError } from './errors/unknown-job.error.js';
import { EVENT_JOB_PREFIX } from './events/events.constants.js';
import type { EnqueueOptions } from './interfaces/enqueue-options.interface.js';
import { serializePayload } from './payload/payload.codec.js';
import { JobHandlerRegistry } from './registry/job-handler.registry.js';
import { SCHEDULE_JOB_PREFIX } from './schedule/schedule.constants.js';
import { StorageGateway } from './storage.gateway.js';
import { JobTracer } from './tracing/job.tracer.js';

/** Ids of the module's own jobs start so; a caller's job of such an id would stand in for a tick or an event's job. */
const RESERVED_ID_PREFIXES = [SCHEDULE_JOB_PREFIX, EVENT_JOB_PREFIX];
const ENQUEUE_OPTION_KEYS = ['priority', 'delayMs', 'runAt', 'jobId', 'attempts', 'timeoutMs', 'queue'] as const;

/**
 * Turns what a caller passes to `enqueue`, `enqueueMany`, `flow` or `batch` into the job storage
 * keeps: every option checked, the payload serialized, defaults taken from the handler or the
 * module, and the queue found (here, or in the cluster's handler registry).
 */
@Injectable()
export class JobPreparer {
  private readonly ids = new JobIdGenerator();
  /** Job name → queue, learnt from the cluster's handler registry. */
  private readonly routes = new Map<string, { queue: string; until: number }>();

  constructor(
    @Inject(BACKGROUND_CONFIG) private readonly config: BackgroundConfig,
    @Inject(STORAGE_ENGINE) private readonly engine: StorageEngine,
    private readonly registry: JobHandlerRegistry,
    private readonly storage: StorageGateway,
    private readonly tracer: JobTracer,
  ) {}

  /** A new job id (a batch's own, say). */
  nextId(): string {
    return this.ids.next();
  }

  /** Validates one job; synchronous unless its handler lives only in other processes and is not known here yet. */
  prepare(name: string, data: unknown, options: EnqueueOptions, reservedId = false): NewJob | Promise<NewJob> {
    if (typeof name !== 'string' || name === '') {
      throw new InvalidOptionsError(JOB_NAME_MISSING('enqueue()'));
    }
    if (name.includes('\0')) throw new InvalidOptionsError(JOB_NAME_NUL('enqueue()', name));
    const where = `enqueue('${name}')`;
    assertKnownKeys(`${where} options`, options, ENQUEUE_OPTION_KEYS);
    if (options.queue !== undefined) assertQueueName(where, options.queue);
    const handler = this.registry.get(name);
    const job: NewJob = {
      id: options.jobId === undefined ? this.ids.next() : jobIdOf(where, options.jobId, reservedId),
      name,
      queue: '',
      data: serializePayload(name, data, this.config.maxPayloadBytes),
      priority: resolvePriority(where, options.priority ?? handler?.priority ?? this.config.defaults.priority),
      maxAttempts: integer(where, 'attempts', options.attempts, handler?.attempts ?? this.config.defaults.attempts, 1, MAX_ATTEMPTS),
      delayMs: delayOf(where, options),
      timeoutMs: integer(where, 'timeoutMs', options.timeoutMs, handler?.timeoutMs ?? this.config.defaults.timeoutMs, 0),
      trace: this.tracer.carrier(),
    };
    // the name must have a handler somewhere, also when the caller picks the queue
    const cached = this.routes.get(name);
    const route = handler?.queue ?? (cached && cached.until > Date.now() ? cached.queue : undefined);
    if (route) {
      job.queue = options.queue ?? route;
      return job;
    }
    return this.lookUpRoute(name).then((found) => {
      job.queue = options.queue ?? found;
      return job;
    });
  }

  /** The queue whose workers handle `name`, from the cluster registry; throws UnknownJobError. */
  private async lookUpRoute(name: string): Promise<string> {
    const queue = await this.storage.call(this.engine.findHandlerQueue(name));
    if (!queue) throw new UnknownJobError(UNKNOWN_JOB(name));
    // kept a while, not for good: a rolling deploy may move or remove the handler
    this.routes.set(name, { queue, until: Date.now() + ROUTE_REFRESH_MS });
    return queue;
  }
}

function jobIdOf(where: string, jobId: unknown, reservedId: boolean): string {
  if (typeof jobId !== 'string' || jobId === '' || jobId.length > 200) {
    throw new InvalidOptionsError(INVALID_OPTION(where, 'jobId', 'a non-empty string of at most 200 characters', jobId));
  }
  const prefix = reservedId ? undefined : RESERVED_ID_PREFIXES.find((start) => jobId.startsWith(start));
  if (prefix) throw new InvalidOptionsError(RESERVED_JOB_ID(where, jobId, prefix));
  return jobId;
}

/** Delay from now; storage adds it to its own clock, so hosts with skewed clocks agree on due times. */
function delayOf(where: string, options: EnqueueOptions): number {
  if (options.delayMs !== undefined && options.runAt !== undefined) {
    throw new InvalidOptionsError(`${where} options: give delayMs or runAt, not both.`);
  }
  if (options.delayMs !== undefined) {
    if (typeof options.delayMs !== 'number' || !Number.isFinite(options.delayMs) || options.delayMs < 0) {
      throw new InvalidOptionsError(INVALID_OPTION(where, 'delayMs', 'a finite number of milliseconds, 0 or more', options.delayMs));
    }
    return Math.ceil(options.delayMs);
  }
  if (options.runAt !== undefined) {
    const at = options.runAt instanceof Date ? options.runAt.getTime() : options.runAt;
    if (typeof at !== 'number' || !Number.isFinite(at)) {
      throw new InvalidOptionsError(INVALID_OPTION(where, 'runAt', 'a valid Date or epoch milliseconds', options.runAt));
    }
    return Math.max(0, Math.ceil(at - Date.now()));
  }
  return 0;
}
