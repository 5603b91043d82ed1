/**
 * An event name tied to its payload type, declared once and used by both `@OnEvent` and
 * `emit`, so that emitting the wrong payload is a compile error.
 *
 * ```ts
 * export const OrderPlaced = defineEvent<{ orderId: string }>('order.placed');
 * @OnEvent(OrderPlaced) onPlaced(payload: { orderId: string }) { ... }
 * await jobs.emit(OrderPlaced, { orderId: '42' });
 * ```
 * @publicApi
 */
export interface EventDefinition<TPayload = unknown> {
  readonly event: string;
  /** Type-only; never set. */
  readonly __payload?: TPayload;
}

/** @publicApi */
export function defineEvent<TPayload>(event: string): EventDefinition<TPayload> {
  return Object.freeze({ event });
}

/** The payload type of an event definition. @publicApi */
export type EventPayload<T> = T extends EventDefinition<infer P> ? P : unknown;

export function eventName(event: string | EventDefinition<any>): unknown {
  return typeof event === 'object' && event !== null ? event.event : event;
}
