import { jest } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { CapturedLog } from '../../support/captured-log.js';
import { AppModule } from './src/app.module.js';
import { TasksService } from './src/tasks/tasks.service.js';

// The adopter's app on the memory engine, driven by Jest's fake timers as its tests would be
// (docs/schedule-migration.md, "Unit tests with fake timers").
process.env.JOBS_STORAGE = 'memory';

describe('AppModule (the adopter\'s own module test)', () => {
  it('compiles and provides TasksService', async () => {
    const module: TestingModule = await Test.createTestingModule({ imports: [AppModule] }).compile();
    try {
      expect(module.get(TasksService)).toBeInstanceOf(TasksService);
    } finally {
      await module.close();
    }
  });
});

describe('TasksService on the memory engine, fake timers', () => {
  let app: INestApplication | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
    jest.useRealTimers();
  });

  it('logs what the author expected in the first minute: 6 intervals, 1 timeout, the cron at second 45', async () => {
    const log = new CapturedLog();
    const module = await Test.createTestingModule({ imports: [AppModule] }).compile();
    app = module.createNestApplication({ logger: log });
    jest.useFakeTimers({ now: new Date('2030-01-01T00:00:00Z') });
    await app.init();

    await jest.advanceTimersByTimeAsync(44_000);
    expect(log.count('debug Called once after 5 seconds')).toBe(1);
    expect(log.count('debug Called every 10 seconds')).toBe(4);
    expect(log.count('debug Called when the second is 45')).toBe(0);

    await jest.advanceTimersByTimeAsync(16_000);
    expect(log.count('debug Called once after 5 seconds')).toBe(1);
    expect(log.count('debug Called every 10 seconds')).toBe(6);
    expect(log.count('debug Called when the second is 45')).toBe(1);
  });

  it('a spy on each method counts its runs; the arguments are the tick (and a job context), as the migration page says', async () => {
    const module = await Test.createTestingModule({ imports: [AppModule] }).compile();
    app = module.createNestApplication({ logger: false });
    const tasks = app.get(TasksService);
    const cron = jest.spyOn(tasks, 'handleCron');
    const interval = jest.spyOn(tasks, 'handleInterval');
    const timeout = jest.spyOn(tasks, 'handleTimeout');
    jest.useFakeTimers({ now: new Date('2030-01-01T00:00:00Z') });
    await app.init();

    await jest.advanceTimersByTimeAsync(60_000);
    expect(cron).toHaveBeenCalledTimes(1);
    expect(interval).toHaveBeenCalledTimes(6);
    expect(timeout).toHaveBeenCalledTimes(1);
    // @nestjs/schedule calls an interval's and a timeout's method with no argument; here each gets its tick
    expect((interval.mock.calls[0] as unknown[])[0]).toEqual({ schedule: 'TasksService.handleInterval', due: Date.UTC(2030, 0, 1, 0, 0, 10) });
    expect((cron.mock.calls[0] as unknown[])[0]).toEqual({ schedule: 'TasksService.handleCron', due: Date.UTC(2030, 0, 1, 0, 0, 45) });
    expect(timeout.mock.calls[0]).toEqual([{ schedule: 'TasksService.handleTimeout', due: Date.UTC(2030, 0, 1, 0, 0, 5) }]);
  });
});
