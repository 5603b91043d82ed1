import { Injectable, type INestApplication } from '@nestjs/common';
import { Cluster, Redis } from 'ioredis';
import { Test } from '@nestjs/testing';
import { BackgroundModule, InvalidOptionsError, Job, JobsService, RedisUnavailableError, type BackgroundModuleOptions } from '../lib/index.js';
import { chooseStorage } from '../sample/storage.js';
import { CapturedLog } from './support/captured-log.js';
import { RedisCluster } from './support/redis-cluster.js';
import { RedisServer } from './support/redis-server.js';
import { createTestApp } from './support/test-app.js';

/** The password the tests give, which must never be shown. */
const SECRET = 'hunter2-s3cret';
const CHECK =
  ` Check the credentials in REDIS_URL, or in the connection option of BackgroundModule.forRoot(), and that user's ACL on the server`;

@Injectable()
class MailJobs {
  @Job('mail.send')
  send() {
    return 'sent';
  }
}

async function start(options: BackgroundModuleOptions, log: CapturedLog): Promise<INestApplication> {
  const moduleRef = await Test.createTestingModule({ imports: [BackgroundModule.forRoot(options)], providers: [MailJobs] }).compile();
  return moduleRef.createNestApplication({ logger: log });
}

describe('passwords are never shown', () => {
  it.each([
    ['redis//user:hunter2-s3cret@127.0.0.1:6379', 'redis//user:***@127.0.0.1:6379'],
    ['rediss//:hunter2-s3cret@cache.example:6380', 'rediss//:***@cache.example:6380'],
    ['http://user:hunter2-s3cret@127.0.0.1:6379', 'http://user:***@127.0.0.1:6379'],
    ['user:hunter2-s3cret@127.0.0.1:6379', 'user:***@127.0.0.1:6379'],
    ['redis://127.0.0.1:port?password=hunter2-s3cret', 'redis://127.0.0.1:port?password=***'],
  ])('in the error for a malformed connection %p', async (connection, shown) => {
    const failure = await createTestApp({ connection, workers: false }).catch((error: Error) => error);
    expect(failure).toBeInstanceOf(InvalidOptionsError);
    expect((failure as Error).message).toBe(
      `Invalid BackgroundModule.forRoot() option "connection": expected a redis:// or rediss:// URL, an ioredis options object, or a Redis or Cluster instance, got "${shown}".`,
    );
  });

  it('in the error for a malformed REDIS_URL', async () => {
    const saved = process.env.REDIS_URL;
    process.env.REDIS_URL = `rediss:/ops:${SECRET}@cache.example:6380`;
    try {
      await expect(createTestApp({ workers: false })).rejects.toThrow(
        'The REDIS_URL environment variable is "rediss:/ops:***@cache.example:6380", which is not a redis:// or rediss:// URL. Fix REDIS_URL, or give BackgroundModule.forRoot() a connection option.',
      );
    } finally {
      if (saved === undefined) delete process.env.REDIS_URL;
      else process.env.REDIS_URL = saved;
    }
  });

  it("in the sample's first log line", async () => {
    const saved = process.env.REDIS_URL;
    process.env.REDIS_URL = `rediss://ops:${SECRET}@cache.example:6380/2`;
    try {
      expect((await chooseStorage()).note).toBe('Jobs are stored in Redis at cache.example:6380 (REDIS_URL).');
    } finally {
      if (saved === undefined) delete process.env.REDIS_URL;
      else process.env.REDIS_URL = saved;
    }
  });
});

describe('Redis refusing the credentials', () => {
  let server: RedisServer;
  beforeAll(async () => (server = await RedisServer.start({ requirepass: 'the-right-one' })));
  afterAll(() => server.stop());

  it.each([
    ['a wrong password in a redis:// URL', () => `redis://:${SECRET}@127.0.0.1:${server.port}`, 'refused the username and password (WRONGPASS)'],
    ['a user and a wrong password in a URL', () => `redis://ada:${SECRET}@127.0.0.1:${server.port}`, 'refused the username and password (WRONGPASS)'],
    ['an options object with a wrong password', () => ({ host: '127.0.0.1', port: server.port, password: SECRET }), 'refused the username and password (WRONGPASS)'],
    ['no password', () => server.url, 'asks for a password and was given none (NOAUTH)'],
  ])('stops the application from starting at once with %s, saying so', async (_what, connection, refused) => {
    const log = new CapturedLog();
    // long enough that a wait for the connection would fail the test
    const app = await start({ connection: connection(), workers: false, enqueueTimeoutMs: 20_000 }, log);
    const started = Date.now();
    const failure = await app.init().catch((error: Error) => error);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(failure).toBeInstanceOf(RedisUnavailableError);
    const message = `Redis at 127.0.0.1:${server.port} ${refused}, so the application cannot start.${CHECK}.`;
    expect((failure as Error).message).toBe(message);
    expect(log.lines.filter((line) => line.startsWith('error'))).toContain(`error ${message}`);
    expect(JSON.stringify(log.lines)).not.toContain(SECRET);
    await app.close();
  });

  it('rejects an enqueue at once, and logs it once, when the password changes under a running application', async () => {
    const open = await RedisServer.start();
    const admin = open.client();
    const log = new CapturedLog();
    const app = await start({ connection: open.url, workers: false, enqueueTimeoutMs: 20_000 }, log);
    try {
      await app.init();
      const jobs = app.get(JobsService);
      await jobs.enqueue('mail.send', {});
      await admin.config('SET', 'requirepass', SECRET);
      await admin.call('CLIENT', 'KILL', 'TYPE', 'normal');
      const started = Date.now();
      const refused = `Redis at 127.0.0.1:${open.port} asks for a password and was given none (NOAUTH); nothing was sent.${CHECK}; the connection is retried by itself.`;
      for (let i = 0; i < 3; i++) await expect(jobs.enqueue('mail.send', { i })).rejects.toThrow(new RedisUnavailableError(refused));
      expect(Date.now() - started).toBeLessThan(3000);
      expect(log.lines.filter((line) => line === `error ${refused}`)).toHaveLength(1);
      // the password is taken away again: the application is back without being told
      await admin.config('SET', 'requirepass', '');
      await expect(retry(() => jobs.enqueue('mail.send', { after: true }))).resolves.toHaveProperty('id');
    } finally {
      await app.close();
      admin.disconnect();
      await open.stop();
    }
  });
});

describe('a Redis Cluster refusing the credentials', () => {
  let cluster: RedisCluster;
  beforeAll(async () => {
    cluster = await RedisCluster.start();
    for (const port of cluster.ports) {
      const node = new Redis({ port });
      await node.config('SET', 'requirepass', 'the-right-one');
      node.disconnect();
    }
  });
  afterAll(() => cluster.stop());

  it('stops the application from starting at once, saying so', async () => {
    const log = new CapturedLog();
    const client = new Cluster(cluster.startupNodes, { redisOptions: { password: SECRET }, lazyConnect: true });
    const app = await start({ connection: client, workers: false, enqueueTimeoutMs: 20_000 }, log);
    const started = Date.now();
    const failure = await app.init().catch((error: Error) => error);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(failure).toBeInstanceOf(RedisUnavailableError);
    expect((failure as Error).message).toBe(`Redis at the Redis Cluster refused the username and password (WRONGPASS), so the application cannot start.${CHECK}.`);
    expect(JSON.stringify(log.lines)).not.toContain(SECRET);
    await app.close();
    client.disconnect();
  });
});

/** `call` until it resolves, for up to 20 s. */
async function retry<T>(call: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      return await call();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}
