import { Injectable } from '@nestjs/common';
import { Job } from '../lib/index.js';
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
    // one command client, one blocking client per queue with a worker, one subscriber for waitFor
    expect(await ourConnections()).toBe(4);
    await app.close();
    resources.stop();
    expect(await ourConnections()).toBe(0);
    expect(resources.alive()).toEqual([]);
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
