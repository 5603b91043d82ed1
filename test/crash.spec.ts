import { eventually } from './support/test-app.js';
import { WorkerProcess, workerProcessSuite } from './support/worker-process.js';

describe('worker processes that crash or share the work', () => {
  const suite = workerProcessSuite();

  async function runsPerJob(prefix: string): Promise<Record<string, string>> {
    const client = suite.server.client();
    try {
      return await client.hgetall(`${prefix}:runs`);
    } finally {
      await client.quit();
    }
  }

  it('runs every job of a SIGKILLed worker on another worker; none is lost', async () => {
    const env = { REDIS_URL: suite.server.url, PREFIX: 'kill', CONCURRENCY: '5', JOB_MS: '400', LEASE_MS: '1000' };
    const doomed = await WorkerProcess.spawn(env);
    // a producer without handlers: the name is known from the worker's registration
    const producer = await suite.producer({ connection: suite.server.url, prefix: 'kill', workers: false });
    const ids = (await producer.jobs.enqueueMany(Array.from({ length: 20 }, (_, i) => ({ name: 'count', data: { i } })))).map((r) => r.id);

    await doomed.untilStarted(5);
    await doomed.kill();
    const heldWhenKilled = [...doomed.started];
    expect((await producer.jobs.getStats()).queues.default).toMatchObject({ active: 5, completed: 0 });

    const survivor = await WorkerProcess.spawn(env);
    for (const id of ids) await producer.jobs.waitFor(id, { timeoutMs: 15_000 });
    await survivor.stop();

    const runs = await runsPerJob('kill');
    for (const id of ids) {
      const job = await producer.jobs.getJob(id);
      const killed = heldWhenKilled.includes(id);
      expect({ id, state: job?.state, stalls: job?.stalls, runs: runs[id] }).toEqual({
        id,
        state: 'completed',
        stalls: killed ? 1 : 0,
        runs: killed ? '2' : '1',
      });
    }
  });

  it('runs 10,000 jobs across two worker processes exactly once each', async () => {
    const env = { REDIS_URL: suite.server.url, PREFIX: 'tenk', CONCURRENCY: '50', JOB_MS: '0' };
    const workers = await Promise.all([WorkerProcess.spawn(env), WorkerProcess.spawn(env)]);
    const producer = await suite.producer({ connection: suite.server.url, prefix: 'tenk', workers: false });
    const ids: string[] = [];
    for (let batch = 0; batch < 10; batch++) {
      const results = await producer.jobs.enqueueMany(Array.from({ length: 1000 }, (_, i) => ({ name: 'count', data: { i: batch * 1000 + i } })));
      ids.push(...results.map((r) => r.id));
    }
    await eventually('10,000 completed jobs', async () => (await producer.jobs.getStats()).queues.default!.completed === 10_000, 60_000);
    const processed = await Promise.all(workers.map((worker) => worker.stop()));

    const runs = await runsPerJob('tenk');
    expect(Object.keys(runs).sort()).toEqual([...ids].sort());
    expect(Object.values(runs).filter((count) => count !== '1')).toEqual([]);
    expect(processed[0]! + processed[1]!).toBe(10_000);
    expect(processed.every((count) => count > 0)).toBe(true);
    expect((await producer.jobs.getStats()).queues.default).toMatchObject({ waiting: 0, active: 0, dead: 0, failed: 0 });
  });

  it('runs the jobs of a SIGKILLed worker again without waiting out its lease', async () => {
    const env = { REDIS_URL: suite.server.url, PREFIX: 'fast', CONCURRENCY: '5' };
    // a lease of two minutes: what ends it early is the closed connection (about 2 s on a quiet machine, see bench/)
    const doomed = await WorkerProcess.spawn({ ...env, JOB_MS: '600000', LEASE_MS: '120000' });
    const producer = await suite.producer({ connection: suite.server.url, prefix: 'fast', workers: false });
    const ids = (await producer.jobs.enqueueMany(Array.from({ length: 5 }, (_, i) => ({ name: 'count', data: { i } })))).map((r) => r.id);
    await doomed.untilStarted(5);
    // started once the doomed worker holds every job: it waits, idle, and watches that worker
    const survivor = await WorkerProcess.spawn({ ...env, JOB_MS: '0' });

    const killedAt = performance.now();
    await doomed.kill();
    await survivor.untilStarted(5);
    const recoveryMs = performance.now() - killedAt;
    for (const id of ids) await producer.jobs.waitFor(id, { timeoutMs: 30_000 });
    await survivor.stop();

    expect({ recoveredWellWithinTheLease: recoveryMs < 30_000, recoveryMs }).toMatchObject({ recoveredWellWithinTheLease: true });
    expect([...survivor.started].sort()).toEqual([...ids].sort());
    const runs = await runsPerJob('fast');
    for (const id of ids) {
      const job = await producer.jobs.getJob(id);
      expect({ id, state: job?.state, stalls: job?.stalls, runs: runs[id] }).toEqual({ id, state: 'completed', stalls: 1, runs: '2' });
    }
  });

  it('keeps the jobs of a worker whose connection to Redis drops and comes back at once', async () => {
    const env = { REDIS_URL: suite.server.url, PREFIX: 'blip', CONCURRENCY: '5' };
    const worker = await WorkerProcess.spawn({ ...env, JOB_MS: '10000' });
    const producer = await suite.producer({ connection: suite.server.url, prefix: 'blip', workers: false });
    const ids = (await producer.jobs.enqueueMany(Array.from({ length: 5 }, (_, i) => ({ name: 'count', data: { i } })))).map((r) => r.id);
    await worker.untilStarted(5);
    // idle, so it watches the connection of the worker that holds every job
    const watcher = await WorkerProcess.spawn({ ...env, JOB_MS: '0' });

    const client = suite.server.client();
    try {
      const recorded = async () => Object.values(await client.hgetall('{blip:default}:conn'));
      for (let drop = 0; drop < 2; drop++) {
        // a script sent while the connection was down clears the record (it carries no connection):
        // the record may be missing for a moment after a drop
        let before: string | undefined;
        await eventually('the worker to record its connection', async () => ([before] = await recorded()).length > 0, 30_000);
        await client.call('CLIENT', 'KILL', 'ID', before!.split(':')[1]!);
        await eventually('the worker to record its new connection', async () => {
          const [now] = await recorded();
          return now !== undefined && now !== before;
        }, 30_000);
      }
    } finally {
      await client.quit();
    }
    // the jobs run on for seconds after the last drop, while the watcher keeps looking
    for (const id of ids) await producer.jobs.waitFor(id, { timeoutMs: 60_000 });
    await Promise.all([worker.stop(), watcher.stop()]);

    expect(watcher.started).toEqual([]);
    const runs = await runsPerJob('blip');
    for (const id of ids) {
      const job = await producer.jobs.getJob(id);
      expect({ id, state: job?.state, stalls: job?.stalls, runs: runs[id] }).toEqual({ id, state: 'completed', stalls: 0, runs: '1' });
    }
  });

  it('looks up workers\' connections only while another worker holds jobs', async () => {
    const env = { REDIS_URL: suite.server.url, PREFIX: 'quiet', CONCURRENCY: '5', JOB_MS: '1500' };
    const workers = await Promise.all([WorkerProcess.spawn(env), WorkerProcess.spawn(env)]);
    const producer = await suite.producer({ connection: suite.server.url, prefix: 'quiet', workers: false });
    const client = suite.server.client();
    const lookups = async () => Number(/^cmdstat_client\|list:calls=(\d+)/m.exec(await client.info('commandstats'))?.[1] ?? 0);
    // nothing to await in these pauses: what is checked is that nothing happens during them
    const pause = () => new Promise((resolve) => setTimeout(resolve, 1_200));
    try {
      await client.config('RESETSTAT');
      await pause();
      const whileIdle = await lookups();

      const ids = (await producer.jobs.enqueueMany(Array.from({ length: 10 }, (_, i) => ({ name: 'count', data: { i } })))).map((r) => r.id);
      for (const id of ids) await producer.jobs.waitFor(id, { timeoutMs: 10_000 });
      const whileBusy = await lookups();
      await pause();
      const afterwards = await lookups();
      await pause();

      expect({ whileIdle, lookedUpWhileBusy: whileBusy > 0, lookedUpAfterwards: (await lookups()) - afterwards }).toEqual({
        whileIdle: 0,
        lookedUpWhileBusy: true,
        lookedUpAfterwards: 0,
      });
    } finally {
      await client.quit();
    }
    await Promise.all(workers.map((worker) => worker.stop()));
  });
});
