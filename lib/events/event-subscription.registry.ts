import { Injectable } from '@nestjs/common';
import { assertKnownKeys } from '../background-options.checks.js';
import { INVALID_OPTION } from '../background.messages.js';
import { InvalidOptionsError } from '../errors/invalid-options.error.js';
import { EventPattern } from './event.pattern.js';
import type { EventSubscription } from '../engine/ports/event-subscription.interface.js';
import { INVALID_SUBSCRIBER_NAME, STACKED_OPTIONS_DIFFER } from './events.messages.js';
import type { OnEventMetadata } from './on-event.decorator.js';
import { EMITTER_OPTION_KEYS, type OnEventOptions } from './on-event-options.interface.js';

const ON_EVENT_OPTION_KEYS = ['name', 'queue', 'concurrency', 'priority', 'timeoutMs', 'attempts', ...EMITTER_OPTION_KEYS] as const;

/** A subscriber of this process, as a local `emitAsync()` calls it. */
export interface LocalSubscriber {
  name: string;
  patterns: EventPattern[];
  suppressErrors: boolean;
  prependListener: boolean;
}

/** The `@OnEvent` subscribers of this process, which it publishes for the cluster's emitters. */
@Injectable()
export class EventSubscriptionRegistry {
  private readonly subscriptions = new Map<string, EventSubscription>();
  private readonly local: LocalSubscriber[] = [];

  /**
   * One subscriber for the `@OnEvent` decorators stacked on `target` (`Class@method`): their
   * patterns, and their options, which must not disagree.
   */
  describe(target: string, stacked: OnEventMetadata[]): { name: string; patterns: string[]; options: OnEventOptions } {
    const patterns = new Set<string>();
    const options: Record<string, unknown> = {};
    for (const { pattern, options: given } of stacked) {
      const where = `@OnEvent(${typeof pattern === 'string' ? `'${pattern}'` : ''}) on ${target}`;
      patterns.add(EventPattern.parse(where, pattern).source);
      assertKnownKeys(`${where} options`, given ?? {}, ON_EVENT_OPTION_KEYS);
      for (const [key, value] of Object.entries(given ?? {})) {
        if (value === undefined) continue;
        if ((EMITTER_OPTION_KEYS as readonly string[]).includes(key) && typeof value !== 'boolean') {
          throw new InvalidOptionsError(INVALID_OPTION(`${where} options`, key, 'a boolean', value));
        }
        if (key in options && options[key] !== value) throw new InvalidOptionsError(STACKED_OPTIONS_DIFFER(target, key));
        options[key] = value;
      }
    }
    const name = options.name ?? target;
    if (typeof name !== 'string' || name === '' || name.length > 200) {
      throw new InvalidOptionsError(INVALID_SUBSCRIBER_NAME(`@OnEvent() on ${target}`, name));
    }
    return { name, patterns: [...patterns], options: options as OnEventOptions };
  }

  /** Called once the subscriber's handler is registered (so its name is known to be unique). */
  add(subscription: EventSubscription, options: OnEventOptions = {}): void {
    this.subscriptions.set(subscription.name, subscription);
    const patterns = subscription.patterns.map((pattern) => EventPattern.parse(subscription.name, pattern));
    const subscriber = { name: subscription.name, patterns, suppressErrors: options.suppressErrors !== false, prependListener: options.prependListener === true };
    // as EventEmitter2 orders listeners: the last one prepended first, then the others in the order they came
    if (subscriber.prependListener) this.local.unshift(subscriber);
    else this.local.push(subscriber);
  }

  /** This process's subscribers whose patterns match `event`, in the order a local `emitAsync()` calls them. */
  matching(event: string): LocalSubscriber[] {
    return this.local.filter((subscriber) => subscriber.patterns.some((pattern) => pattern.matches(event)));
  }

  list(): EventSubscription[] {
    return [...this.subscriptions.values()];
  }
}
