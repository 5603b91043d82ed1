import { Module } from '@nestjs/common';
import { BackgroundModule } from '../../../../lib/index.js';
import { EventEmitterModule } from '../../../../lib/event-emitter/index.js';
import { OrdersModule } from './orders/orders.module.js';

// The changes docs/events-migration.md asks for: EventEmitterModule from nestjs-background/event-emitter, and
// BackgroundModule beside it (options from the environment: REDIS_URL; JOBS_STORAGE=memory in unit tests).
@Module({
  // was: imports: [EventEmitterModule.forRoot(), OrdersModule] with EventEmitterModule from '@nestjs/event-emitter'
  imports: [
    BackgroundModule.forRootAsync({
      useFactory: () => ({
        storage: process.env.JOBS_STORAGE === 'memory' ? 'memory' : 'redis',
        connection: process.env.REDIS_URL,
        prefix: process.env.JOBS_PREFIX,
      }),
    }),
    EventEmitterModule.forRoot(),
    OrdersModule,
  ],
})
export class AppModule {}
