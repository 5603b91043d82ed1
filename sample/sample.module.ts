import { Module } from '@nestjs/common';
import { BackgroundModule } from '../lib/index.js';
import { WelcomeController } from './welcome.controller.js';
import { WelcomeJobs } from './welcome.jobs.js';

@Module({
  imports: [
    BackgroundModule.forRoot({
      // BACKGROUND_STORAGE=memory runs the sample without Redis
      storage: process.env.BACKGROUND_STORAGE === 'memory' ? 'memory' : 'redis',
      prefix: 'sample',
    }),
  ],
  controllers: [WelcomeController],
  providers: [WelcomeJobs],
})
export class SampleModule {}
