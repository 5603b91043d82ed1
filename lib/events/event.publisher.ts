import { Inject, Injectable, Logger } from '@nestjs/common';
import { BACKGROUND_CONFIG } from '../background.constants.js';
import type { BackgroundConfig } from '../background.config.js';
import { assertKnownKeys } from '../background-options.checks.js';
import { INVALID_OPTION } from '../background.messages.js';
import { JobIdGenerator } from '../engine/job-id.generator.js';
import { STORAGE_ENGINE, type NewJob, type StorageEngine } from '../engine/storage-engine.interface.js';
import { StorageGateway } from '../storage.gateway.js';
import { InvalidOptionsError } from '../errors/invalid-options.error.js';
import { serializePayload } from '../payload/payload.codec.js';
import { printable } from '../logging/printable.js';
import { eventName, type EventDefinition } from './event.definition.js';
import { EventPattern, assertEventName } from './event.pattern.js';
import { EventSubscriptionRegistry } from './event-subscription.registry.js';
import type { EventSubscription } from '../engine/ports/event-subscription.interface.js';
import { JobTracer } from '../tracing/job.tracer.js';
import { EventFanOut, FAN_OUT } from './event.fan-out.js';
import { FAN_OUT_DELAYED, NO_SUBSCRIBERS } from './events.messages.js';
import { eventJobId } from './events.constants.js';
import type { EmitOptions, EmitResult } from './on-event-options.interface.js';

const EMIT_OPTION_KEYS = ['id'] as const;

/** What an event job carries: the payload, and which event it was. */
export interface EventEnvelope {
  event: string;
  eventId: string;
  payload: unknown;
}

/**
 * `jobs.emit()`: one job per subscriber of the whole cluster whose pattern matches. The jobs of
 * one queue are written by one atomic step of the engine (one Lua script, one cluster slot); when
 * the subscribers live in several queues, that step also writes a fan-out job that guarantees
 * the other queues' jobs (see `EventFanOut`).
 */
@Injectable()
export class EventPublisher {
  private readonly logger = new Logger('Background');
  private readonly ids = new JobIdGenerator();
  /** Parsed patterns, by source: the cluster's subscriptions are read at each emit, parsed once. */
  private readonly patterns = new Map<string, EventPattern | null>();
  /** Emits of this process that matched no subscriber. */
  unmatched = 0;

  constructor(
    @Inject(BACKGROUND_CONFIG) private readonly config: BackgroundConfig,
    @Inject(STORAGE_ENGINE) private readonly engine: StorageEngine,
    private readonly storage: StorageGateway,
    private readonly local: EventSubscriptionRegistry,
    private readonly fanOut: EventFanOut,
    private readonly tracer: JobTracer,
  ) {}

  async emit(event: string | EventDefinition<any>, payload: unknown, options: EmitOptions = {}): Promise<EmitResult> {
    const name = eventName(event);
    assertEventName('emit()', name);
    const where = `emit('${name}')`;
    assertKnownKeys(`${where} options`, options, EMIT_OPTION_KEYS);
    const id = options.id === undefined ? this.ids.next() : eventIdOf(where, options.id);
    const text = serializePayload(name, payload, this.config.maxPayloadBytes, 'event');
    const subscribers = (await this.subscriptions()).filter((subscription) =>
      subscription.patterns.some((pattern) => this.pattern(pattern)?.matches(name)),
    );
    if (subscribers.length === 0) {
      this.unmatched++;
      if (this.config.logJobs) this.logger.debug(NO_SUBSCRIBERS(name, printable(id)));
      return { id, subscribers: 0, jobIds: [] };
    }
    // the payload is serialized once, checked above, and spliced into each envelope
    const data = `{"event":${JSON.stringify(name)},"eventId":${JSON.stringify(id)},"payload":${text}}`;
    const defaults = this.config.defaults;
    // each subscriber's job runs in a child span of the span that emitted the event
    const trace = this.tracer.carrier();
    const jobs: NewJob[] = subscribers.map((subscriber) => ({
      id: eventJobId(id, subscriber.name),
      name: subscriber.name,
      queue: subscriber.queue,
      data,
      priority: subscriber.priority ?? defaults.priority,
      maxAttempts: subscriber.attempts ?? defaults.attempts,
      delayMs: 0,
      timeoutMs: subscriber.timeoutMs ?? defaults.timeoutMs,
      trace,
    }));
    const queue = jobs[0]!.queue;
    const first = jobs.filter((job) => job.queue === queue);
    const later = jobs.filter((job) => job.queue !== queue);
    if (later.length === 0) {
      await this.storage.call(this.engine.enqueue(first));
    } else {
      // the one atomic step: this queue's jobs, and the promise of the others
      await this.storage.call(this.engine.enqueue([...first, this.fanOut.job(id, queue, data, later)]));
      try {
        await this.storage.call(this.engine.enqueue(later));
        // the others are stored: the fan-out job is not needed any more, and must not store again
        // jobs that completed and were trimmed by retention meanwhile (they would run twice)
        await this.storage.call(this.engine.cancel(queue, eventJobId(id, FAN_OUT)));
      } catch (error) {
        this.logger.warn(FAN_OUT_DELAYED(name, printable(id), (error as Error)?.message ?? String(error)));
      }
    }
    return { id, subscribers: jobs.length, jobIds: jobs.map((job) => job.id) };
  }

  /** The cluster's subscriptions, with this process's own even if publishing them failed. */
  private async subscriptions(): Promise<EventSubscription[]> {
    const all = new Map((await this.storage.call(this.engine.subscriptions.list())).map((s) => [s.name, s]));
    for (const own of this.local.list()) all.set(own.name, own);
    return [...all.values()];
  }

  /** Null for a pattern this version refuses (published by another version): it matches nothing here. */
  private pattern(source: string): EventPattern | null {
    let pattern = this.patterns.get(source);
    if (pattern === undefined) {
      try {
        pattern = EventPattern.parse('a published subscription', source);
      } catch {
        pattern = null;
      }
      this.patterns.set(source, pattern);
    }
    return pattern;
  }
}

function eventIdOf(where: string, id: unknown): string {
  if (typeof id !== 'string' || id === '' || id.length > 200) {
    throw new InvalidOptionsError(INVALID_OPTION(where, 'id', 'a non-empty string of at most 200 characters', id));
  }
  return id;
}
