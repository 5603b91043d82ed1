import { Injectable } from '@nestjs/common';
import { Cluster, Redis } from 'ioredis';
import { Job, type JobContext } from '../lib/index.js';
import { RedisCluster } from './support/redis-cluster.js';
import { createTestApp, eventually, trackResources } from './support/test-app.js';
import { WorkerProcess } from './support/worker-process.js';

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

  @Job('flaky', { queue: 'mail', attempts: 1 })
  async flaky(_data: unknown, ctx: JobContext) {
    await ctx.progress({ done: 1 });
    await ctx.log('trying');
    throw new Error('no');
  }
}

describe('on a Redis Cluster', () => {
  let cluster: RedisCluster;
  let appCluster: Cluster;
  beforeAll(async () => {
    cluster = await RedisCluster.start();
    appCluster = new Cluster(cluster.startupNodes);
    // connected before the test tracks what is created, as an application's client would be
    await new Promise((resolve) => appCluster.once('ready', resolve));
  });
  afterAll(async () => {
    await appCluster?.quit();
    await cluster?.stop();
  });

  /** Connections the library holds, on every node. */
  async function ourConnections(): Promise<number> {
    let count = 0;
    for (const port of cluster.ports) {
      const client = new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: 1 });
      try {
        const list = (await client.client('LIST')) as string;
        count += list.split('\n').filter((line) => line.includes('nestjs-background')).length;
      } finally {
        const ended = new Promise((resolve) => client.once('end', resolve));
        await client.quit();
        await ended;
      }
    }
    return count;
  }

  it('leaves no timers and no connections after app.close(), and leaves the given Cluster open', async () => {
    const resources = trackResources();
    const app = await createTestApp({ connection: appCluster, prefix: 'life', leaseMs: 1000 }, [EchoJobs]);
    const { id } = await app.jobs.enqueue('echo', { hello: 'world' });
    await expect(app.jobs.waitFor(id)).resolves.toEqual({ hello: 'world' });
    await expect(app.jobs.waitFor((await app.jobs.enqueue('mail', {})).id)).resolves.toBe('sent');
    await app.jobs.enqueue('echo', 'later', { delayMs: 60_000 });
    expect(await ourConnections()).toBeGreaterThan(0);
    await app.close();
    resources.stop();
    expect(await ourConnections()).toBe(0);
    expect(resources.alive()).toEqual([]);
    // the library worked on duplicates: the application's own Cluster is still in service
    expect(appCluster.status).toBe('ready');
    await expect(appCluster.ping()).resolves.toBe('PONG');
  });

  it('keeps every key of a queue under its hash tag, so each script touches one slot', async () => {
    const app = await createTestApp({ connection: appCluster, prefix: 'tags' }, [EchoJobs]);
    await app.jobs.waitFor((await app.jobs.enqueue('echo', 1)).id);
    await expect(app.jobs.waitFor((await app.jobs.enqueue('flaky', {})).id)).rejects.toThrow('no');
    await app.jobs.cancel((await app.jobs.enqueue('echo', 'later', { delayMs: 60_000 })).id);
    await app.jobs.pause('mail');
    await app.jobs.enqueue('mail', {});
    await app.jobs.getStats();
    await app.close();

    const keys: string[] = [];
    for (const node of appCluster.nodes('master')) keys.push(...(await node.keys('*tags*')));
    const untagged = keys.filter((key) => !/^\{tags:(default|mail)\}:/.test(key)).sort();
    // the registry of handlers, their routes' freshness and the queues is read and written by plain commands, never by a script
    expect(untagged).toEqual(['tags:handlers', 'tags:queues', 'tags:routes']);
    expect(keys.length).toBeGreaterThan(10);
  });

  it('runs the jobs of a SIGKILLed worker again without waiting out its lease', async () => {
    const env = { CLUSTER_PORT: String(cluster.ports[0]), PREFIX: 'fast', CONCURRENCY: '5' };
    const producer = await createTestApp({ connection: appCluster, prefix: 'fast', workers: false });
    try {
      // a lease of two minutes: what ends it early is the closed connection (about 2 s on a quiet machine, see bench/)
      const doomed = await WorkerProcess.spawn({ ...env, JOB_MS: '600000', LEASE_MS: '120000' });
      const ids = (await producer.jobs.enqueueMany(Array.from({ length: 5 }, (_, i) => ({ name: 'count', data: { i } })))).map((r) => r.id);
      await doomed.untilStarted(5);
      const survivor = await WorkerProcess.spawn({ ...env, JOB_MS: '0' });

      const killedAt = performance.now();
      await doomed.kill();
      await survivor.untilStarted(5);
      const recoveryMs = performance.now() - killedAt;
      for (const id of ids) await producer.jobs.waitFor(id, { timeoutMs: 30_000 });
      await survivor.stop();

      expect({ recoveredWellWithinTheLease: recoveryMs < 30_000, recoveryMs }).toMatchObject({ recoveredWellWithinTheLease: true });
      const runs = await appCluster.hgetall('fast:runs');
      for (const id of ids) {
        const job = await producer.jobs.getJob(id);
        expect({ id, state: job?.state, stalls: job?.stalls, runs: runs[id] }).toEqual({ id, state: 'completed', stalls: 1, runs: '2' });
      }
    } finally {
      await WorkerProcess.killAll();
      await producer.close();
    }
  });

  it('keeps the jobs of a worker whose connection to its queue\'s node drops and comes back at once', async () => {
    const env = { CLUSTER_PORT: String(cluster.ports[0]), PREFIX: 'blip', CONCURRENCY: '5' };
    const producer = await createTestApp({ connection: appCluster, prefix: 'blip', workers: false });
    try {
      const worker = await WorkerProcess.spawn({ ...env, JOB_MS: '10000' });
      const ids = (await producer.jobs.enqueueMany(Array.from({ length: 5 }, (_, i) => ({ name: 'count', data: { i } })))).map((r) => r.id);
      await worker.untilStarted(5);
      const watcher = await WorkerProcess.spawn({ ...env, JOB_MS: '0' });

      const recorded = async () => Object.values(await appCluster.hgetall('{blip:default}:conn'));
      for (let drop = 0; drop < 2; drop++) {
        // a script sent while the connection was down clears the record (it carries no connection):
        // the record may be missing for a moment after a drop
        let before: string | undefined;
        await eventually('the worker to record its connection', async () => ([before] = await recorded()).length > 0, 30_000);
        const [runId, id] = before!.split(':');
        for (const node of appCluster.nodes('master')) {
          if ((await node.info('server')).includes(`run_id:${runId}`)) await node.call('CLIENT', 'KILL', 'ID', id!);
        }
        await eventually('the worker to record its new connection', async () => {
          const [now] = await recorded();
          return now !== undefined && now !== before;
        }, 30_000);
      }
      for (const id of ids) await producer.jobs.waitFor(id, { timeoutMs: 60_000 });
      await Promise.all([worker.stop(), watcher.stop()]);

      expect(watcher.started).toEqual([]);
      const runs = await appCluster.hgetall('blip:runs');
      for (const id of ids) {
        const job = await producer.jobs.getJob(id);
        expect({ id, state: job?.state, stalls: job?.stalls, runs: runs[id] }).toEqual({ id, state: 'completed', stalls: 0, runs: '1' });
      }
    } finally {
      await WorkerProcess.killAll();
      await producer.close();
    }
  });
});
