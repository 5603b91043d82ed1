import { Module } from '@nestjs/common';
import { BackgroundModule } from '../../../../lib/index.js';
import { EventEmitterModule } from '../../../../lib/event-emitter/index.js';
import { AuditListener } from './audit.listener.js';
import { DigestScheduler } from './digest.scheduler.js';
import { UsersService } from './users.service.js';

// was: imports: [ScheduleModule.forRoot(), EventEmitterModule.forRoot({ wildcard: true })] (both from the peers)
@Module({
  imports: [
    BackgroundModule.forRootAsync({
      useFactory: () => ({
        storage: process.env.JOBS_STORAGE === 'memory' ? 'memory' : 'redis',
        connection: process.env.REDIS_URL,
        prefix: process.env.JOBS_PREFIX,
      }),
    }),
    EventEmitterModule.forRoot({ wildcard: true }),
  ],
  providers: [AuditListener, UsersService, DigestScheduler],
})
export class AppModule {}
