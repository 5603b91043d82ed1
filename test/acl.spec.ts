import { Injectable } from '@nestjs/common';
import { readFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import { CircuitBreaker, Interval, Job, JobsService, OnEvent, UnrecoverableError, defineEvent, type JobContext } from '../lib/index.js';
import { RedisServer } from './support/redis-server.js';
import { createTestApp, deferred, eventually, type TestApp } from './support/test-app.js';

/** The documented `redis-cli ACL SETUSER ...` command (with its continuation lines), as its arguments after `redis-cli`. */
function documentedAcl(): string[] {
  const lines = readFileSync('docs/production-security.md', 'utf8').split('\n');
  let at = lines.findIndex((line) => line.startsWith('redis-cli ACL SETUSER jobs '));
  expect(at).toBeGreaterThanOrEqual(0);
  let command = '';
  for (;;) {
    const line = lines[at++]!;
    command += ` ${line.replace(/\\$/, '')}`;
    if (!line.endsWith('\\')) break;
  }
  // the shell's words: single-quoted ones lose their quotes
  return [...command.matchAll(/'([^']*)'|(\S+)/g)].map((word) => word[1] ?? word[2]!).slice(1);
}

const PASSWORD = 'acl-test-password-9d2e';
const Shipped = defineEvent<{ orderId: string }>('order.shipped');

@Injectable()
class AclJobs {
  readonly shipped = deferred<string>();
  readonly blocker = deferred();

  @Job('double')
  @CircuitBreaker('acl-dependency')
  double(data: { n: number }) {
    return data.n * 2;
  }

  @Job('refuse', { attempts: 1 })
  refuse() {
    throw new UnrecoverableError('refused for good');
  }

  @Job('hold')
  async hold(_data: unknown, ctx: JobContext) {
    await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve));
  }

  // stored in Redis at start-up; it need not tick
  @Interval('acl-tick', 3_600_000)
  tick() {}

  @OnEvent(Shipped)
  onShipped(data: { orderId: string }) {
    this.shipped.resolve(data.orderId);
  }
}

describe("the least-privilege Redis ACL of docs/production-security.md", () => {
  let server: RedisServer;
  let admin: Redis;
  let app: TestApp | undefined;
  beforeAll(async () => {
    server = await RedisServer.start();
    admin = server.client();
    const [acl, setuser, ...rules] = documentedAcl();
    expect([acl, setuser, rules[0]]).toEqual(['ACL', 'SETUSER', 'jobs']);
    await admin.call('ACL', 'SETUSER', ...rules.map((rule) => (rule.startsWith('>') ? `>${PASSWORD}` : rule)));
    await admin.call('ACL', 'LOG', 'RESET');
  });
  afterAll(async () => {
    await app?.close();
    admin.disconnect();
    await server.stop();
  });

  it('is enough to run jobs, events, breakers, schedules, dead letters and cancels, with nothing denied', async () => {
    app = await createTestApp({ connection: `redis://jobs:${PASSWORD}@127.0.0.1:${server.port}` }, [AclJobs]);
    const jobs = app.app.get(JobsService);
    const { id } = await jobs.enqueue('double', { n: 21 });
    expect(await jobs.waitFor(id, { timeoutMs: 20_000 })).toBe(42);

    await jobs.emit(Shipped, { orderId: 'o-1' });
    expect(await app.app.get(AclJobs).shipped.promise).toBe('o-1');

    const refused = await jobs.enqueue('refuse', {});
    await expect(jobs.waitFor(refused.id, { timeoutMs: 20_000 })).rejects.toThrow('refused for good');
    expect((await jobs.listDead({ name: 'refuse' })).map((job) => job.id)).toEqual([refused.id]);
    expect(await jobs.redrive(refused.id)).toBe(true);

    const held = await jobs.enqueue('hold', {});
    await eventually('the held job to run', async () => (await jobs.getJob(held.id))?.state === 'active', 20_000);
    expect(await jobs.cancel(held.id)).toBe(true);
    await expect(jobs.waitFor(held.id, { timeoutMs: 20_000 })).rejects.toThrow('cancelled');

    expect(await admin.call('ACL', 'LOG')).toEqual([]);
  });

  it('keeps the user to its own keys and channels', async () => {
    const user = new Redis({ port: server.port, username: 'jobs', password: PASSWORD, lazyConnect: true });
    try {
      await user.connect();
      await expect(user.set('other-app:key', '1')).rejects.toThrow(/NOPERM/);
      await expect(user.publish('other-app:events', '1')).rejects.toThrow(/NOPERM/);
      await expect(user.flushall()).rejects.toThrow(/NOPERM/);
    } finally {
      user.disconnect();
    }
  });
});
