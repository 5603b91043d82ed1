import { Module, type DynamicModule } from '@nestjs/common';
import { EventEmitter2, EventEmitterReadinessWatcher } from '@nestjs/event-emitter';
import { ADOPT_PEER_ON_EVENT, INHERIT_REQUEST_CONTEXT_ID } from '../events.constants.js';
import { BackgroundEventEmitter } from './background-event-emitter.js';
import { EVENT_EMITTER_OPTIONS } from './event-emitter.constants.js';
import type { EventEmitterModuleOptions } from './event-emitter-options.interface.js';

/**
 * Stands in for `@nestjs/event-emitter`'s module, beside `BackgroundModule`: change the import from
 * `'@nestjs/event-emitter'` to `'nestjs-background/event-emitter'` and that package's `@OnEvent`
 * methods become durable subscribers, its `EventEmitter2` is injectable (see
 * `BackgroundEventEmitter` for what each method means here), and so is its
 * `EventEmitterReadinessWatcher`, ready once every subscriber is known (at application bootstrap).
 * @publicApi
 */
@Module({})
export class EventEmitterModule {
  static forRoot(options: EventEmitterModuleOptions = {}): DynamicModule {
    return {
      // always: BackgroundModule's explorer must see ADOPT_PEER_ON_EVENT wherever this module is imported
      global: true,
      module: EventEmitterModule,
      providers: [
        { provide: EVENT_EMITTER_OPTIONS, useValue: options },
        { provide: ADOPT_PEER_ON_EVENT, useValue: true },
        { provide: INHERIT_REQUEST_CONTEXT_ID, useValue: options.inheritRequestContextId === true },
        BackgroundEventEmitter,
        { provide: EventEmitter2, useExisting: BackgroundEventEmitter },
        EventEmitterReadinessWatcher,
      ],
      exports: [EventEmitter2, BackgroundEventEmitter, EventEmitterReadinessWatcher, ADOPT_PEER_ON_EVENT, INHERIT_REQUEST_CONTEXT_ID],
    };
  }
}
