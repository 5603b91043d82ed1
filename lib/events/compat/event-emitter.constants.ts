/** The options given to `EventEmitterModule.forRoot()` of `nestjs-background/event-emitter`. */
export const EVENT_EMITTER_OPTIONS = Symbol('nestjs-background:event-emitter-options');
