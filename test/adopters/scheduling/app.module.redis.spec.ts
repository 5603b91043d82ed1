import type { INestApplication } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { CapturedLog } from '../../support/captured-log.js';
import { RedisServer } from '../../support/redis-server.js';
import { AppModule } from './src/app.module.js';
import { TasksService } from './src/tasks/tasks.service.js';

// The adopter's app on a Redis server, in real time: what `nest start` would show.
let server: RedisServer;
beforeAll(async () => {
  server = await RedisServer.start();
  process.env.REDIS_URL = server.url;
});
afterAll(async () => server.stop());

describe('AppModule (the adopter\'s own module test)', () => {
  it('compiles and provides TasksService', async () => {
    process.env.JOBS_PREFIX = 'compile';
    const module: TestingModule = await Test.createTestingModule({ imports: [AppModule] }).compile();
    try {
      expect(module.get(TasksService)).toBeInstanceOf(TasksService);
    } finally {
      await module.close();
    }
  });
});

describe('TasksService on Redis', () => {
  let app: INestApplication | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it('logs the timeout after 5 s, the interval every 10 s and the cron at second 45', async () => {
    process.env.JOBS_PREFIX = 'run';
    const log = new CapturedLog();
    const module = await Test.createTestingModule({ imports: [AppModule] }).compile();
    app = module.createNestApplication({ logger: log });
    const started = Date.now();
    await app.init();

    // the cron may be up to a minute away: the deadline is the minute plus a busy machine's margin
    const deadline = new Promise<never>((_, reject) => setTimeout(() => reject(new Error(log.lines.join('\n'))), 90_000).unref());
    const at = (line: string) => Promise.race([log.logged(line), deadline]).then(() => Date.now() - started);
    const [timeout, interval, cron] = await Promise.all([
      at('debug Called once after 5 seconds'),
      at('debug Called every 10 seconds'),
      at('debug Called when the second is 45'),
    ]);
    expect(timeout).toBeGreaterThanOrEqual(4_900);
    expect(interval).toBeLessThan(40_000);
    expect(cron).toBeLessThan(90_000);
    expect(new Date(started + cron).getUTCSeconds()).toBeGreaterThanOrEqual(45);
    expect(log.count('debug Called once after 5 seconds')).toBe(1);
  }, 120_000);
});
