import { Module } from '@nestjs/common';
import { BackgroundModule } from '../../../../lib/index.js';
import { TasksModule } from './tasks/tasks.module.js';

// The one change docs/schedule-migration.md asks for: ScheduleModule.forRoot() becomes BackgroundModule. Its options
// come from the environment, as an application's configuration does (REDIS_URL; JOBS_STORAGE=memory in unit tests).
@Module({
  // was: imports: [ScheduleModule.forRoot(), TasksModule]
  imports: [
    BackgroundModule.forRootAsync({
      useFactory: () => ({
        storage: process.env.JOBS_STORAGE === 'memory' ? 'memory' : 'redis',
        connection: process.env.REDIS_URL,
        prefix: process.env.JOBS_PREFIX,
      }),
    }),
    TasksModule,
  ],
})
export class AppModule {}
