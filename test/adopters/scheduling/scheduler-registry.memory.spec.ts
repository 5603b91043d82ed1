import type { INestApplication } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { SchedulerRegistry } from '@nestjs/schedule';
import { AppModule } from './src/app.module.js';
import { TasksService } from './src/tasks/tasks.service.js';

// The sample's own e2e test (sample/27-scheduling/e2e), on the memory engine: it reads the schedules through
// @nestjs/schedule's SchedulerRegistry, which BackgroundModule provides when the package is installed.
process.env.JOBS_STORAGE = 'memory';

describe('TasksService (e2e), through SchedulerRegistry', () => {
  let app: INestApplication;
  let module: TestingModule;
  let schedulerRegistry: SchedulerRegistry;

  beforeAll(async () => {
    module = await Test.createTestingModule({ imports: [AppModule] }).compile();
    app = module.createNestApplication({ logger: false });
    await app.init();
    schedulerRegistry = module.get(SchedulerRegistry);
  });
  afterAll(async () => app?.close());

  it('should have TasksService registered', () => {
    expect(module.get(TasksService)).toBeDefined();
  });

  it('should register a cron job', () => {
    expect(schedulerRegistry.getCronJobs().size).toBeGreaterThanOrEqual(1);
  });

  it('should register an interval', () => {
    expect(schedulerRegistry.getIntervals().length).toBeGreaterThanOrEqual(1);
  });

  it('should register a timeout', () => {
    expect(schedulerRegistry.getTimeouts().length).toBeGreaterThanOrEqual(1);
  });
});
