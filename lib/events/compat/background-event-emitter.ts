import { Inject, Injectable, Logger, Optional, type BeforeApplicationShutdown, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { EventEmitter2, EventEmitterReadinessWatcher } from '@nestjs/event-emitter';
import { JobsService } from '../../jobs.service.js';
import { InvalidOptionsError } from '../../errors/invalid-options.error.js';
import { readThrown } from '../../worker/thrown-value.js';
import { printable } from '../../logging/printable.js';
import { serializePayload } from '../../payload/payload.codec.js';
import { LocalEventRunner } from '../event.local-runner.js';
import { assertEventName } from '../event.pattern.js';
import { EVENT_EMITTER_OPTIONS } from './event-emitter.constants.js';
import { BACKGROUND_MODULE_MISSING, EMIT_NOT_STORED, SYMBOL_EVENT } from './event-emitter.messages.js';
import type { EventEmitterModuleOptions } from './event-emitter-options.interface.js';

type EventName = string | symbol | string[];

/**
 * The `EventEmitter2` that `nestjs-background/event-emitter` injects in place of
 * `@nestjs/event-emitter`'s, so that code written for that package goes on working:
 *
 * - `emit(event, ...values)` is durable: it stores one job per `@OnEvent` subscriber of the
 *   cluster, as `JobsService.emit()` does, and returns `true` at once; the subscribers run later,
 *   in a worker, with retries. A storage failure is logged (emit returns a boolean, so cannot
 *   report it): await `JobsService.emit()` where that matters.
 * - `emitAsync(event, ...values)` is local: it calls this process's matching subscribers now,
 *   stores nothing, and resolves with their results (see `LocalEventRunner`).
 * - One value is the payload; none is `null`; several arrive as one array.
 * - Listeners added at runtime (`on`, `once`, `onAny`, `prependListener`, `waitFor`, ...) are
 *   EventEmitter2's own, in this process, called by both, as before.
 * @publicApi
 */
@Injectable()
export class BackgroundEventEmitter extends EventEmitter2 implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly logger = new Logger('Background');
  /** Durable emits on their way to storage: shutdown lets them finish before the connection closes. */
  private readonly pending = new Set<Promise<unknown>>();

  private readonly jobs: JobsService;
  private readonly local: LocalEventRunner;

  constructor(
    // optional only to say what is missing: a test module that imported the peer's module alone imports this one alone
    @Optional() @Inject(JobsService) jobs: JobsService | undefined,
    @Optional() @Inject(LocalEventRunner) local: LocalEventRunner | undefined,
    private readonly readiness: EventEmitterReadinessWatcher,
    @Inject(EVENT_EMITTER_OPTIONS) options: EventEmitterModuleOptions,
  ) {
    const { global: _global, inheritRequestContextId: _inherit, ...emitter } = options;
    super(emitter);
    if (!jobs || !local) throw new InvalidOptionsError(BACKGROUND_MODULE_MISSING());
    this.jobs = jobs;
    this.local = local;
  }

  override emit(event: EventName, ...values: unknown[]): boolean {
    const name = nameOf('emit()', event);
    assertEventName('emit()', name);
    const payload = payloadOf(values);
    // a payload JSON would change is refused here, at the call, as jobs.emit() refuses it (its size is checked there)
    serializePayload(name, payload, Number.POSITIVE_INFINITY, 'event');
    const stored = this.jobs.emit(name, payload).catch((error: unknown) => {
      const { message, stack } = readThrown(error);
      this.logger.error(EMIT_NOT_STORED(printable(name), printable(message)), stack);
    });
    this.pending.add(stored);
    void stored.finally(() => this.pending.delete(stored));
    super.emit(event, ...values);
    return true;
  }

  override async emitAsync(event: EventName, ...values: unknown[]): Promise<any[]> {
    const name = nameOf('emitAsync()', event);
    const [subscribers, listeners] = await Promise.all([this.local.run(name, payloadOf(values)), super.emitAsync(event, ...values)]);
    return [...subscribers, ...listeners];
  }

  /** Every module has initialised: BackgroundModule has found every subscriber. */
  onApplicationBootstrap(): void {
    this.readiness.setReady();
  }

  async beforeApplicationShutdown(): Promise<void> {
    // each is bounded by enqueueTimeoutMs
    await Promise.allSettled(this.pending);
  }

  onApplicationShutdown(): void {
    this.removeAllListeners();
  }
}

/** EventEmitter2 names an event by a string, or by its segments (`['order', 'placed']`). */
function nameOf(where: string, event: EventName): string {
  if (typeof event === 'symbol') throw new InvalidOptionsError(SYMBOL_EVENT(where));
  return Array.isArray(event) ? event.join('.') : event;
}

function payloadOf(values: unknown[]): unknown {
  return values.length === 0 ? null : values.length === 1 ? values[0] : values;
}
