// The `nestjs-background/event-emitter` entry point: the only one that loads @nestjs/event-emitter.
export { EventEmitterModule } from '../events/compat/event-emitter.module.js';
export { BackgroundEventEmitter } from '../events/compat/background-event-emitter.js';
export type { EventEmitterModuleOptions } from '../events/compat/event-emitter-options.interface.js';
