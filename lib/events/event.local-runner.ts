import { Injectable, Logger } from '@nestjs/common';
import { JobSkipped } from '../errors/job-skipped.error.js';
import { JobIdGenerator } from '../engine/job-id.generator.js';
import { printable } from '../logging/printable.js';
import { JobHandlerRegistry } from '../registry/job-handler.registry.js';
import { readThrown } from '../worker/thrown-value.js';
import { EventSubscriptionRegistry } from './event-subscription.registry.js';
import type { EventEnvelope } from './event.publisher.js';
import { LOCAL_SUBSCRIBER_FAILED } from './events.messages.js';
import { LocalJobContext } from './local-job.context.js';

/**
 * An event delivered in this process only, now, to this process's `@OnEvent` subscribers: what
 * `@nestjs/event-emitter`'s `emitAsync()` did, for code that needs the subscribers' results. Nothing
 * is stored: no retry, breaker, timeout or dead letter, and a crash loses it. The subscribers run
 * as their jobs would (enhancers, an instance per call for a request-scoped provider), at once.
 */
@Injectable()
export class LocalEventRunner {
  private readonly logger = new Logger('Background');
  private readonly ids = new JobIdGenerator();

  constructor(
    private readonly subscriptions: EventSubscriptionRegistry,
    private readonly handlers: JobHandlerRegistry,
  ) {}

  /** Whether some subscriber of this process matches `event`. */
  has(event: string): boolean {
    return this.subscriptions.matching(event).length > 0;
  }

  /**
   * The results of the matching subscribers, in their order; a subscriber that throws gives
   * `undefined` and is logged, unless it has `suppressErrors: false`, which rejects the whole call.
   */
  run(event: string, payload: unknown): Promise<unknown[]> {
    const eventId = `local:${this.ids.next()}`;
    const envelope: EventEnvelope = { event, eventId, payload };
    return Promise.all(
      this.subscriptions.matching(event).map(async ({ name, suppressErrors }) => {
        const handler = this.handlers.get(name)!;
        try {
          return await handler.invoke(envelope, new LocalJobContext(eventId, name, handler.queue));
        } catch (error) {
          if (JobSkipped.thrownBy(error)) return undefined;
          if (!suppressErrors) throw error;
          const { message, stack } = readThrown(error);
          this.logger.error(LOCAL_SUBSCRIBER_FAILED(handler.target, printable(event), printable(message)), stack);
          return undefined;
        }
      }),
    );
  }
}
