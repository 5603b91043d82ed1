import { describe, it, expect, afterEach } from '@jest/globals';
import { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { BackgroundModule } from '../../../../lib/index.js';
import { COMPAT_ENGINES, useEngine, withStorage } from '../src/compat-storage.js';
import { SchedulerRegistry } from '@nestjs/schedule';
import { CronService } from '../src/cron.service.js';

describe.each(COMPAT_ENGINES)('on the %s engine', (engine) => {
useEngine(engine);

describe('Async Configuration', () => {
  let app: INestApplication;

  afterEach(async () => {
    await app.close();
  });

  it('should provide options using useFactory', async () => {
    const module = await Test.createTestingModule({
      imports: [
        BackgroundModule.forRootAsync({
          useFactory: () => withStorage({
            cronJobs: false,
          }),
        }),
      ],
      providers: [CronService],
    }).compile();

    app = module.createNestApplication();
    await app.init();

    const registry = app.get(SchedulerRegistry);
    expect(registry.doesExist('cron', 'EXECUTES_EVERY_SECOND')).toBeFalsy();
  });

  it('should enable cron jobs by default when using async config', async () => {
    const module = await Test.createTestingModule({
      imports: [
        BackgroundModule.forRootAsync({
          useFactory: () => withStorage({}),
        }),
      ],
      providers: [CronService],
    }).compile();

    app = module.createNestApplication();
    await app.init();

    const registry = app.get(SchedulerRegistry);
    expect(registry.doesExist('cron', 'EXECUTES_EVERY_SECOND')).toBeTruthy();
  });

  it('should provide options using useClass', async () => {
    class ConfigService {
      createScheduleOptions() {
        return {
          ...withStorage(),
          cronJobs: false,
        };
      }
    }

    const module = await Test.createTestingModule({
      imports: [
        BackgroundModule.forRootAsync({
          useClass: ConfigService,
        }),
      ],
      providers: [CronService],
    }).compile();

    app = module.createNestApplication();
    await app.init();

    const registry = app.get(SchedulerRegistry);
    expect(registry.doesExist('cron', 'EXECUTES_EVERY_SECOND')).toBeFalsy();
  });
});
});
