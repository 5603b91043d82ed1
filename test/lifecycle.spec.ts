import { Injectable } from '@nestjs/common';
import { Job, WaitTimeoutError } from '../lib/index.js';
import { RedisServer } from './support/redis-server.js';
import { createTestApp, trackResources } from './support/test-app.js';

@Injectable()
class EchoJobs {
  @Job('echo')
  echo(data: unknown) {
    return data;
  }

  @Job('mail', { queue: 'mail' })
  mail() {
    return 'sent';
  }
}

describe('application lifecycle', () => {
  let server: RedisServer;
  beforeAll(async () => (server = await RedisServer.start()));
  afterAll(() => server.stop());

  async function ourConnections(): Promise<number> {
    const client = server.client();
    try {
      const list = (await client.client('LIST')) as string;
      return list.split('\n').filter((line) => line.includes('name=nestjs-background')).length;
    } finally {
      const ended = new Promise((resolve) => client.once('end', resolve));
      await client.quit();
      await ended;
    }
  }

  it('leaves no timers and no Redis connections after app.close()', async () => {
    const resources = trackResources();
    const app = await createTestApp({ connection: server.url, prefix: 'life', leaseMs: 1000 }, [EchoJobs]);
    const { id } = await app.jobs.enqueue('echo', { hello: 'world' });
    await expect(app.jobs.waitFor(id)).resolves.toEqual({ hello: 'world' });
    await expect(app.jobs.waitFor((await app.jobs.enqueue('mail', {})).id)).resolves.toBe('sent');
    await app.jobs.enqueue('echo', 'later', { delayMs: 60_000 });
    // one command client, one blocking client per queue with a worker, one subscriber for cancels and waitFor
    expect(await ourConnections()).toBe(4);
    await app.close();
    resources.stop();
    expect(await ourConnections()).toBe(0);
    expect(resources.alive()).toEqual([]);
  });

  it('leaves no waitFor registration in Redis beyond its deadline', async () => {
    const app = await createTestApp({ connection: server.url, prefix: 'wait', workers: false }, [EchoJobs]);
    const { id } = await app.jobs.enqueue('echo', 'never run');
    await expect(app.jobs.waitFor(id, { timeoutMs: 100 })).rejects.toThrow(WaitTimeoutError);
    await app.close();
    const client = server.client();
    try {
      // what a process that died while waiting leaves: it goes with the deadline (plus 1 s for the
      // reply under way), not with the job
      expect(await client.zrange('{wait:default}:waiters', '0', '-1')).toEqual([id]);
      const ttl = await client.pttl('{wait:default}:waiters');
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(1100);
    } finally {
      await client.quit();
    }
  });

  it('leaves no timers after app.close() with the memory engine', async () => {
    const resources = trackResources();
    const app = await createTestApp({ storage: 'memory' }, [EchoJobs]);
    await app.jobs.enqueue('echo', 'later', { delayMs: 60_000 });
    await expect(app.jobs.waitFor((await app.jobs.enqueue('echo', 1)).id)).resolves.toBe(1);
    await app.close();
    resources.stop();
    await new Promise((resolve) => setImmediate(resolve));
    expect(resources.alive()).toEqual([]);
  });
});
