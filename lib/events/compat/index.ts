// The `nestjs-background/event-emitter` entry point: the only one that loads @nestjs/event-emitter.
export { EventEmitterModule } from './event-emitter.module.js';
export { BackgroundEventEmitter } from './background-event-emitter.js';
export type { EventEmitterModuleOptions } from './event-emitter-options.interface.js';
