import { Injectable } from '@nestjs/common';
import { Redis } from 'ioredis';
import { RedisConnection } from '../lib/engine/redis/redis.connection.js';
import { Job } from '../lib/index.js';
import { RetryTimer } from '../lib/worker/retry-timer.js';
import { RedisServer } from './support/redis-server.js';
import { createTestApp, deferred, eventually, type TestApp } from './support/test-app.js';

/** What the handler below saw, by job data. */
const ran = new Map<number, number>();

@Injectable()
class TickJobs {
  @Job('tick')
  tick(i: number) {
    ran.set(i, (ran.get(i) ?? 0) + 1);
  }
}

/** Lets pending promise callbacks run, without letting any timer fire. */
async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}

describe('Redis restarting', () => {
  it('a worker resumes once Redis is back on its append-only file, and no job is lost', async () => {
    const server = await RedisServer.start({ aof: true });
    let app: TestApp | undefined;
    try {
      app = await createTestApp({ connection: server.url, prefix: 'restart' }, [TickJobs]);
      const jobs = app.jobs;
      // due every 50 ms from now through the outage and after it
      const count = 100;
      await Promise.all(Array.from({ length: count }, (_, i) => jobs.enqueue('tick', i, { delayMs: i * 50 })));
      await eventually('the worker to run the first jobs', () => ran.size > 5, 30_000);
      await server.stop('SIGTERM');
      await new Promise((resolve) => setTimeout(resolve, 2000));
      await server.start();
      await eventually('every job to run after the restart', () => ran.size === count, 30_000);
      await eventually('every job to be counted completed', async () => (await jobs.getStats()).queues.default?.completed === count, 30_000);
      expect((await jobs.getStats()).queues.default).toMatchObject({ waiting: 0, delayed: 0, active: 0, dead: 0 });
    } finally {
      ran.clear();
      await app?.close();
      await server.destroy();
    }
  }, 120_000);

  it('our clients try to reconnect at least every 0.5 s however long Redis was gone, and ask a Redis still loading again within 0.1 s', () => {
    const given = new Redis({ lazyConnect: true });
    const connection = new RedisConnection('redis://127.0.0.1:1');
    const fromOptions = new RedisConnection({ host: '127.0.0.1', port: 1 });
    const fromClient = new RedisConnection(given);
    try {
      for (const owner of [connection, fromOptions, fromClient]) {
        const { options } = owner.create('commands') as Redis;
        // ioredis' own waits double up to 5 s, and 1 s for a Redis loading its file
        for (const times of [1, 10, 100, 10_000]) expect(options.retryStrategy!(times)).toBeLessThanOrEqual(500);
        expect(options.maxLoadingRetryTime).toBeLessThanOrEqual(100);
      }
    } finally {
      given.disconnect();
      for (const owner of [connection, fromOptions, fromClient]) void owner.closeAll();
    }
  });

  it('keeps the reconnect waits that the user set', () => {
    const retryStrategy = () => 1234;
    const given = new Redis({ lazyConnect: true, retryStrategy, maxLoadingRetryTime: 2000 });
    const fromOptions = new RedisConnection({ host: '127.0.0.1', port: 1, retryStrategy, maxLoadingRetryTime: 2000 });
    const fromClient = new RedisConnection(given);
    try {
      for (const owner of [fromOptions, fromClient]) {
        const { options } = owner.create('commands') as Redis;
        expect(options.retryStrategy!(1)).toBe(1234);
        expect(options.maxLoadingRetryTime).toBe(2000);
      }
    } finally {
      given.disconnect();
      for (const owner of [fromOptions, fromClient]) void owner.closeAll();
    }
  });

  it('a worker whose round trip failed tries again as soon as storage is ready, not a second later, and early at most once a second', async () => {
    let retries = 0;
    let ready = deferred();
    const timer = new RetryTimer('default', () => retries++, () => ready.promise);
    try {
      timer.set(new Error('Connection is closed.'));
      await settle();
      expect(retries).toBe(0);
      ready.resolve();
      await settle();
      expect(retries).toBe(1);
      // storage says it is ready but the call fails again: the next try waits out its second
      ready = deferred();
      timer.set(new Error('Connection is closed.'));
      ready.resolve();
      await settle();
      expect(retries).toBe(1);
    } finally {
      timer.clear();
    }
  });
});
