import { Injectable } from '@nestjs/common';
import { Job } from '../lib/index.js';
import { createTestApp, type TestApp } from './support/test-app.js';
import { RedisServer } from './support/redis-server.js';
import type { ClaimRequest } from '../lib/engine/storage-engine.interface.js';
import { Redis } from 'ioredis';
import { defineScripts, type ScriptRunner } from '../lib/engine/redis/redis-scripts.js';
import { NamedKeys } from '../lib/engine/redis/named-keys.js';

@Injectable()
class LayoutJobs {
  @Job('task')
  task() {
    return undefined;
  }
}

/**
 * The Redis layout where every script is given every key it touches in KEYS, at its edges: calls
 * of thousands of values (Lua passes at most about 8000 to one call), counts while workers come
 * and go, and the dead-letter index per name (each found by a fault review of that layout).
 */
describe('the Redis layout at its edges', () => {
  let server: RedisServer;
  let app: TestApp;
  let prefixes = 0;
  const open = async (extra = {}) =>
    (app = await createTestApp({ connection: server.url, prefix: `rv${++prefixes}`, ...extra }, [LayoutJobs]));
  const claimAs = (workerId: string, request: Omit<ClaimRequest, 'queue' | 'workerId' | 'held' | 'inFlight'> & { held?: number }) =>
    app.engine.claim({ queue: 'default', workerId, held: 0, inFlight: 0, ...request });

  beforeAll(async () => {
    server = await RedisServer.start();
  });
  afterAll(() => server.stop());
  afterEach(() => app?.close());

  it('accepts an enqueueMany of 5000 jobs in one call', async () => {
    await open({ workers: false });
    const jobs = await app.jobs.enqueueMany(Array.from({ length: 5000 }, (_, i) => ({ name: 'task', data: i })));
    expect(jobs).toHaveLength(5000);
    expect((await app.jobs.getStats()).queues.default?.waiting).toBe(5000);
  });

  /** Sends `count` jobs to the dead-letter queue through a worker the test plays, 1000 per round trip. */
  async function killJobs(count: number): Promise<string[]> {
    const dead: string[] = [];
    for (let done = 0; done < count; done += 1000) {
      const n = Math.min(1000, count - done);
      await app.jobs.enqueueMany(Array.from({ length: n }, (_, i) => ({ name: 'task', data: done + i })));
      const { jobs } = await claimAs('killer', { max: n, reserve: 0, started: [], settlements: [] });
      const error = { attempt: 1, name: 'Error', message: 'boom', at: Date.now() };
      await claimAs('killer', {
        max: 0,
        reserve: 0,
        started: [],
        settlements: jobs.map((job) => ({ id: job.id, outcome: 'failed' as const, error, retryInMs: -1 })),
        held: n,
      });
      dead.push(...jobs.map((job) => job.id));
    }
    return dead;
  }

  it('trims a dead-letter queue of 9000 jobs to a newly lowered maxSize when the next job dies', async () => {
    await open({ workers: false });
    await killJobs(9000);
    expect(await app.jobs.countDead()).toBe(9000);
    const prefix = `rv${prefixes}`;
    await app.close();
    // the next deployment keeps fewer dead jobs
    app = await createTestApp({ connection: server.url, prefix, workers: false, deadLetter: { maxSize: 500 } }, [LayoutJobs]);
    // the claim that settles it fails, and so does every retry of that claim: the worker is stuck
    await expect(killJobs(1)).resolves.toHaveLength(1);
    expect(await app.jobs.countDead()).toBe(500);
    expect(await app.jobs.countDead({ name: 'task' })).toBe(500);
  });

  it('counts a queue whose workers take turns holding jobs (the ask-again loop ends)', async () => {
    await open({ workers: false });
    const base = `{rv${prefixes}:default}`;
    const { id } = await app.jobs.enqueue('task', 'x');
    // two workers of a busy queue take turns: one hands the job back (it finished, or shut down), the other claims it
    let holder = 'A';
    await claimAs(holder, { max: 1, reserve: 0, started: [], settlements: [] });
    const turn = async () => {
      await claimAs(holder, { max: 0, reserve: 0, started: [], settlements: [], release: [id], held: 1 });
      holder = holder === 'A' ? 'B' : 'A';
      await claimAs(holder, { max: 1, reserve: 0, started: [], settlements: [] });
    };
    const client = new Redis(server.url);
    try {
      const run = defineScripts(client);
      let calls = 0;
      // the turn is taken between two calls of the counts script, as it may on a busy queue
      const interleaved: ScriptRunner = async (name, at, args, keys) => {
        if (name === 'counts') {
          if (++calls > 20) throw new Error(`counts asked ${calls} times`);
          if (calls > 1) await turn();
        }
        return run(name, at, args, keys);
      };
      const counts = await new NamedKeys(interleaved, []).counts(base);
      expect(counts.slice(0, 3)).toEqual([0, 0, 1]);
      expect(calls).toBeLessThanOrEqual(3);
    } finally {
      client.disconnect();
    }
  });

  it('lists the dead jobs of one name in the same order as all dead jobs, also those that died in the same round trip', async () => {
    await open({ workers: false });
    // three jobs fail in one round trip of their worker: they die in the same millisecond
    const ids = await killJobs(3);
    const all = (await app.jobs.listDead()).map((job) => job.id);
    expect(all).toEqual([...ids].reverse());
    expect((await app.jobs.listDead({ name: 'task' })).map((job) => job.id)).toEqual(all);
    expect((await app.jobs.listDead({ name: 'task', offset: 1, limit: 1 })).map((job) => job.id)).toEqual(all.slice(1, 2));
  });

  it('keeps in the idle set only the workers that wait: one that stops leaves it, one that died is dropped by the next to wait', async () => {
    const prefix = `rv${++prefixes}`;
    const idle = `{${prefix}:default}:idle`;
    const client = server.client();
    try {
      for (let start = 0; start < 30; start++) {
        const started = await createTestApp({ connection: server.url, prefix }, [LayoutJobs]);
        // its worker waits for work (the idle set lists it) before it stops
        const { id } = await started.jobs.enqueue('task', {});
        await started.jobs.waitFor(id, { timeoutMs: 30_000 });
        await started.close();
      }
      expect(await client.zrange(idle, '0', '-1')).toEqual([]);

      // a worker killed while it waited left its entry, which says it woke on its own long ago
      await client.zadd(idle, Date.now() - 60_000, 'killed:1:abc');
      app = await createTestApp({ connection: server.url, prefix }, [LayoutJobs]);
      const { id } = await app.jobs.enqueue('task', {});
      await app.jobs.waitFor(id, { timeoutMs: 30_000 });
      const waiting = await client.zrange(idle, '0', '-1');
      expect(waiting).toHaveLength(1);
      expect(waiting[0]).not.toBe('killed:1:abc');
    } finally {
      await client.quit();
    }
  });
});
