/** Messages of the `@nestjs/event-emitter` stand-in, each saying what to do about it. */

export const EMIT_NOT_STORED = (event: string, message: string) =>
  `EventEmitter2.emit("${event}") stored no job: ${message.replace(/\.$/, '')}. emit() cannot report this to its caller (it returns a boolean); call JobsService.emit() and await it where the event must not be lost.`;

export const SYMBOL_EVENT = (where: string) =>
  `${where}: an event named by a symbol cannot be stored as a job. Name it by a string such as "order.placed".`;

export const BACKGROUND_MODULE_MISSING = () =>
  `EventEmitterModule from nestjs-background/event-emitter runs @OnEvent subscribers as jobs of BackgroundModule, which it cannot find. Import BackgroundModule.forRoot() beside it, global as by default (in a unit test, BackgroundModule.forRoot({ storage: 'memory' })).`;
