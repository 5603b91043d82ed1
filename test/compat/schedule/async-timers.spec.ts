// Not part of @nestjs/schedule's suite: its tests that advance fake time with the synchronous jest.advanceTimersByTime
// or jest.runAllTimers, run here with advanceTimersByTimeAsync, which drives them as well (docs/schedule-compat.md).
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { Test } from '@nestjs/testing';
import { AppModule } from './src/app.module.js';
import { CronService } from './src/cron.service.js';
import { IntervalService } from './src/interval.service.js';
import { TimeoutService } from './src/timeout.service.js';

const deleteAllRegisteredJobsExceptOne = (registry: SchedulerRegistry, name: string) => {
  Array.from(registry.getCronJobs().keys())
    .filter((key) => key !== name)
    .forEach((item) => registry.deleteCronJob(item));
};

describe('the timing tests of @nestjs/schedule, on the memory engine with advanceTimersByTimeAsync', () => {
  let app: INestApplication;

  afterEach(async () => {
    await app.close();
    jest.useRealTimers();
  });

  describe('Cron', () => {
    beforeEach(async () => {
      const module = await Test.createTestingModule({ imports: [AppModule.registerCron()] }).compile();
      app = module.createNestApplication();
      jest.useFakeTimers({ now: 1577836800000 }); // 2020-01-01T00:00:00.000Z
    });

    it(`should schedule "cron"`, async () => {
      const service = app.get(CronService);

      expect(service.callsCount).toEqual(0);

      await app.init();
      await jest.advanceTimersByTimeAsync(3000);

      expect(service.callsCount).toEqual(3);
    });

    it(`should run "cron" once after 30 seconds`, async () => {
      const service = app.get(CronService);

      await app.init();
      const registry = app.get(SchedulerRegistry);
      const job = registry.getCronJob('EXECUTES_EVERY_30_SECONDS');
      deleteAllRegisteredJobsExceptOne(registry, 'EXECUTES_EVERY_30_SECONDS');

      expect(job.isActive).toBe(true);
      expect(service.callsCount).toEqual(0);

      await jest.advanceTimersByTimeAsync(30_000);
      expect(service.callsCount).toEqual(1);
      expect(job.lastDate()).toEqual(new Date('2020-01-01T00:00:30.000Z'));

      await jest.advanceTimersByTimeAsync(31_000);
      expect(job.isActive).toBe(false);
    });

    it(`should run "cron" 3 times every 60 seconds`, async () => {
      const service = app.get(CronService);

      await app.init();
      expect(service.callsCount).toEqual(0);

      const registry = app.get(SchedulerRegistry);
      const job = registry.getCronJob('EXECUTES_EVERY_MINUTE');
      deleteAllRegisteredJobsExceptOne(registry, 'EXECUTES_EVERY_MINUTE');

      await jest.advanceTimersByTimeAsync(180_000);
      expect(service.callsCount).toEqual(3);
      expect(job.lastDate()).toEqual(new Date('2020-01-01T00:03:00.000Z'));

      await jest.advanceTimersByTimeAsync(181_000);
      expect(job.isActive).toBe(false);
    });

    // six hours of fake time, through every heartbeat and refresh timer of the module: slow on a busy machine
    it(`should run "cron" 3 times every hour`, async () => {
      const service = app.get(CronService);

      await app.init();
      expect(service.callsCount).toEqual(0);

      const registry = app.get(SchedulerRegistry);
      const job = registry.getCronJob('EXECUTES_EVERY_HOUR');
      deleteAllRegisteredJobsExceptOne(registry, 'EXECUTES_EVERY_HOUR');

      await jest.advanceTimersByTimeAsync(10_800_000);
      expect(service.callsCount).toEqual(3);
      expect(job.lastDate()).toEqual(new Date('2020-01-01T03:00:00.000Z'));

      await jest.advanceTimersByTimeAsync(10_801_000);
      expect(job.isActive).toBe(false);
    }, 180_000);

    it('should not execute "cron" before initialDelay elapses', async () => {
      const service = app.get(CronService);
      await app.init();
      const registry = app.get(SchedulerRegistry);
      deleteAllRegisteredJobsExceptOne(registry, 'INITIAL_DELAY');

      // Job should not have fired yet
      await jest.advanceTimersByTimeAsync(4999);
      expect(service.initialDelayCalls).toEqual(0);

      // After initialDelay (5000ms) the cron starts; one tick at t=6000ms
      await jest.advanceTimersByTimeAsync(1001);
      expect(service.initialDelayCalls).toEqual(1);
    });

    it('should execute "cron" on schedule after initialDelay', async () => {
      const service = app.get(CronService);
      await app.init();
      const registry = app.get(SchedulerRegistry);
      deleteAllRegisteredJobsExceptOne(registry, 'INITIAL_DELAY');

      // No ticks before the delay
      await jest.advanceTimersByTimeAsync(5000);
      // Cron fires every second; advance 3 more seconds
      await jest.advanceTimersByTimeAsync(3000);
      expect(service.initialDelayCalls).toEqual(3);
    });
  });

  it(`should schedule "interval"`, async () => {
    const module = await Test.createTestingModule({ imports: [AppModule.registerInterval()] }).compile();
    app = module.createNestApplication();
    jest.useFakeTimers();
    const service = app.get(IntervalService);
    await app.init();
    // instead of jest.runAllTimers(): the @Interval('test', 2500)'s first tick
    await jest.advanceTimersByTimeAsync(2500);
    expect(service.called).toBeTruthy();
  });

  it(`should schedule "timeout"`, async () => {
    const module = await Test.createTestingModule({ imports: [AppModule.registerTimeout()] }).compile();
    app = module.createNestApplication();
    jest.useFakeTimers();
    const service = app.get(TimeoutService);
    await app.init();
    // instead of jest.runAllTimers(): the @Timeout('test', 2500)
    await jest.advanceTimersByTimeAsync(2500);
    expect(service.called).toBeTruthy();
  });
});
