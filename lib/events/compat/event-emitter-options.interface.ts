import type { EventEmitterModuleOptions as PeerOptions } from '@nestjs/event-emitter';

/**
 * `@nestjs/event-emitter`'s module options, accepted as they are. They configure the emitter's
 * EventEmitter2 for listeners added at runtime with `on()`, `once()`, `onAny()` (`wildcard`,
 * `delimiter`, `maxListeners`, ...); `@OnEvent` subscribers are durable jobs whose patterns always
 * match "*" and "**" on ".". `inheritRequestContextId: true` is refused: a job runs outside the request
 * that emitted it.
 * @publicApi
 */
export interface EventEmitterModuleOptions extends Omit<PeerOptions, 'inheritRequestContextId'> {
  /** `true` is refused at `forRoot()` (see above); false is what happens here. @default false */
  inheritRequestContextId?: boolean;
  /**
   * Accepted for a drop-in; the module is always global (`EventEmitter2` injectable everywhere), as
   * `BackgroundModule` must see it to adopt the peer's `@OnEvent`.
   * @default true
   */
  global?: boolean;
}
