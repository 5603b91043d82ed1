import { DynamicModule, Module } from '@nestjs/common';
import { BackgroundModule } from '../../../../lib/index.js';
import { withStorage } from './compat-storage.js';
import { CronService } from './cron.service.js';
import { IntervalService } from './interval.service.js';
import { RequestScopedCronService } from './request-scoped-cron.service.js';
import { RequestScopedIntervalService } from './request-scoped-interval.service.js';
import { RequestScopedTimeoutService } from './request-scoped-timeout.service.js';
import { TimeoutService } from './timeout.service.js';
import { ScheduleModuleOptions } from '@nestjs/schedule';

@Module({})
export class AppModule {
  static registerTimeout(
    scheduleModuleOptions?: ScheduleModuleOptions,
  ): DynamicModule {
    return {
      module: AppModule,
      imports: [BackgroundModule.forRoot(withStorage(scheduleModuleOptions))],
      providers: [TimeoutService],
    };
  }

  static registerRequestScopedTimeout(
    scheduleModuleOptions?: ScheduleModuleOptions,
  ): DynamicModule {
    return {
      module: AppModule,
      imports: [BackgroundModule.forRoot(withStorage(scheduleModuleOptions))],
      providers: [RequestScopedTimeoutService],
    };
  }

  static registerInterval(
    scheduleModuleOptions?: ScheduleModuleOptions,
  ): DynamicModule {
    return {
      module: AppModule,
      imports: [BackgroundModule.forRoot(withStorage(scheduleModuleOptions))],
      providers: [IntervalService],
    };
  }

  static registerRequestScopedInterval(
    scheduleModuleOptions?: ScheduleModuleOptions,
  ): DynamicModule {
    return {
      module: AppModule,
      imports: [BackgroundModule.forRoot(withStorage(scheduleModuleOptions))],
      providers: [RequestScopedIntervalService],
    };
  }

  static registerCron(
    scheduleModuleOptions?: ScheduleModuleOptions,
  ): DynamicModule {
    return {
      module: AppModule,
      imports: [BackgroundModule.forRoot(withStorage(scheduleModuleOptions))],
      providers: [CronService],
    };
  }

  static registerRequestScopedCron(
    scheduleModuleOptions?: ScheduleModuleOptions,
  ): DynamicModule {
    return {
      module: AppModule,
      imports: [BackgroundModule.forRoot(withStorage(scheduleModuleOptions))],
      providers: [RequestScopedCronService],
    };
  }
}
