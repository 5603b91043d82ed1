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
   * Whether `EventEmitter2` is injectable everywhere, as with `@nestjs/event-emitter`.
   * @default true
   */
  global?: boolean;
}
