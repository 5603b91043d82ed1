import { PEER_EVENT_LISTENER_METADATA } from './events.constants.js';
import type { OnEventMetadata } from './on-event.decorator.js';
import type { OnEventOptions } from './on-event-options.interface.js';

/** What `@nestjs/event-emitter`'s `@OnEvent(event, options)` records: one of these, or (stacked) a list. */
interface PeerOnEventMetadata {
  event: unknown;
  options?: OnEventOptions;
}

/**
 * `@nestjs/event-emitter`'s `@OnEvent` metadata on `method`, as ours. An event given as an array is
 * EventEmitter2's segments of one name (`['order', 'placed']` is "order.placed"); a symbol is kept,
 * for the pattern check to refuse by name (a durable event is named by a string).
 */
export function peerEventMetadata(method: unknown): OnEventMetadata[] | undefined {
  if (!method || typeof method !== 'function') return undefined;
  const found: PeerOnEventMetadata | PeerOnEventMetadata[] | undefined = Reflect.getMetadata(PEER_EVENT_LISTENER_METADATA, method);
  if (!found) return undefined;
  return (Array.isArray(found) ? found : [found]).map(({ event, options }) => ({
    pattern: Array.isArray(event) && event.every((segment) => typeof segment === 'string') ? event.join('.') : event,
    options: options ?? {},
  }));
}
