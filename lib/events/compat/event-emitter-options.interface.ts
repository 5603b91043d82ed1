import type { EventEmitterModuleOptions as PeerOptions } from '@nestjs/event-emitter';

/**
 * `@nestjs/event-emitter`'s module options, accepted as they are. They configure the emitter's
 * EventEmitter2 for listeners added at runtime with `on()`, `once()`, `onAny()` (`wildcard`,
 * `delimiter`, `maxListeners`, ...); `@OnEvent` subscribers are durable jobs whose patterns always
 * match "*" and "**" on ".".
 * @publicApi
 */
export interface EventEmitterModuleOptions extends Omit<PeerOptions, 'inheritRequestContextId'> {
  /**
   * A request-scoped subscriber takes the payload's own context id, as with `@nestjs/event-emitter`:
   * `emitAsync(event, request)` inside a request runs it on that request's instances. A durable
   * `emit()` runs later as a job, perhaps in another process, with a stored copy of the payload: it
   * gets a context of its own whatever this says (pass what it needs from the request in the payload).
   * @default false
   */
  inheritRequestContextId?: boolean;
  /**
   * Accepted for a drop-in; the module is always global (`EventEmitter2` injectable everywhere), as
   * `BackgroundModule` must see it to adopt the peer's `@OnEvent`.
   * @default true
   */
  global?: boolean;
}
