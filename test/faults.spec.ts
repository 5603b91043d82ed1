import { Injectable } from '@nestjs/common';
import { Redis } from 'ioredis';
import { Job, UnknownJobError, type JobContext } from '../lib/index.js';
import { RedisServer } from './support/redis-server.js';
import { TcpProxy } from './support/tcp-proxy.js';
import { createTestApp, deferred, eventually, type TestApp } from './support/test-app.js';
import { WorkerProcess } from './support/worker-process.js';

/** Counts each run in Redis, like the worker processes of test/fixtures/worker.app.ts. */
@Injectable()
class CountingJobs {
  static redis: Redis;
  static prefix = '';
  static hold: Promise<void> | null = null;

  @Job('count')
  async count(_data: unknown, ctx: JobContext) {
    await CountingJobs.redis.hincrby(`${CountingJobs.prefix}:runs`, ctx.id, 1);
    if (CountingJobs.hold) await Promise.race([CountingJobs.hold, new Promise((resolve) => ctx.signal.addEventListener('abort', resolve))]);
  }
}

describe('faults: stalls, lost replies, poison jobs, a hung Redis', () => {
  let server: RedisServer;
  let redis: Redis;
  const apps: TestApp[] = [];
  const workers: WorkerProcess[] = [];

  beforeAll(async () => {
    server = await RedisServer.start();
    redis = server.client();
    CountingJobs.redis = redis;
  });
  afterEach(async () => {
    CountingJobs.hold = null;
    for (const app of apps.splice(0)) await app.close();
    for (const worker of workers.splice(0)) await worker.kill();
  });
  afterAll(async () => {
    await redis.quit();
    await server.stop();
  });

  async function open(options: object): Promise<TestApp> {
    const app = await createTestApp({ connection: server.url, ...options }, [CountingJobs]);
    apps.push(app);
    return app;
  }

  async function spawn(env: Record<string, string>): Promise<WorkerProcess> {
    const worker = await WorkerProcess.spawn({ REDIS_URL: server.url, ...env });
    workers.push(worker);
    return worker;
  }

  /** Script calls Redis has run so far (claims, mostly). */
  async function scriptCalls(): Promise<number> {
    const stats = (await redis.info('commandstats')) as string;
    return Number(/cmdstat_evalsha:calls=(\d+)/.exec(stats)?.[1] ?? 0) + Number(/cmdstat_eval:calls=(\d+)/.exec(stats)?.[1] ?? 0);
  }

  async function runs(prefix: string): Promise<Map<string, number>> {
    const hash = await redis.hgetall(`${prefix}:runs`);
    return new Map(Object.entries(hash).map(([id, count]) => [id, Number(count)]));
  }

  it('a worker whose event loop was blocked past its lease starts nothing of its reserve until storage said what is still its own', async () => {
    const prefix = 'stall';
    CountingJobs.prefix = prefix;
    const stalled = await spawn({ PREFIX: prefix, CONCURRENCY: '10', LEASE_MS: '2000', BLOCK_MS: '6000' });
    const producer = await open({ prefix, workers: false });
    // short jobs, so the worker reserves well beyond its 10 slots; one of them blocks its event loop
    const items = Array.from({ length: 3000 }, (_, i) => ({ name: 'count', data: i === 1500 ? { block: true } : { i } }));
    const ids = (await producer.jobs.enqueueMany(items)).map((job) => job.id);
    const invokedBeforeBlock = new Set(await stalled.blocking());
    // another worker takes over once the stalled one's lease has lapsed. Its own lease is long: a
    // busy machine holds this process up for a good part of a second at times (jest's too), and
    // were its lease to lapse, its jobs would run twice for a reason this test is not about
    const rescuer = await open({ prefix, leaseMs: 30_000, defaults: { keepCompleted: { count: 100_000 } } });
    await eventually(
      'every job to complete',
      async () => (await rescuer.jobs.getStats()).queues.default!.completed === ids.length,
      60_000,
    );
    // the stalled worker is awake again by now and has heard what it lost
    await stalled.stop();
    const twice = [...(await runs(prefix))].filter(([, count]) => count > 1).map(([id]) => id);
    // only jobs that had reached a handler before the loop blocked (running, or finished and
    // not settled yet) may run twice; never the reserve. Before the fix the worker started its
    // reserved jobs on waking, and those ran twice too. Unsettled jobs are not held back for
    // long, so the count stays near the 10 slots.
    const invokedAfterBlock = stalled.invoked.slice(invokedBeforeBlock.size);
    const rerun = twice.filter((id) => !invokedBeforeBlock.has(id));
    expect(rerun.map((id) => ({ id, byTheStalledWorkerAfterItsBlock: invokedAfterBlock.includes(id) }))).toEqual([]);
    expect(twice.length).toBeLessThanOrEqual(30);
    expect((await runs(prefix)).size).toBe(ids.length);
  }, 120_000);

  it('jobs claimed by a call whose reply was lost with the connection run once, not stay active for good', async () => {
    const prefix = 'lostreply';
    CountingJobs.prefix = prefix;
    const proxy = await TcpProxy.start(server.port);
    try {
      const worker = await open({ connection: proxy.url, prefix, leaseMs: 900 });
      const producer = await open({ prefix, workers: false });
      // once the worker waits for work, the next command on its command connection is a claim
      await worker.jobs.waitFor((await producer.jobs.enqueue('count', 'warm-up')).id);
      const cut = proxy.cutNextReply('nestjs-background:commands');
      const ids = (await producer.jobs.enqueueMany(Array.from({ length: 5 }, (_, i) => ({ name: 'count', data: i })))).map((job) => job.id);
      await cut;
      for (const id of ids) await producer.jobs.waitFor(id, { timeoutMs: 10_000 });
      expect(proxy.cuts).toBe(1);
      const counted = await runs(prefix);
      for (const id of ids) {
        expect({ id, runs: counted.get(id) }).toEqual({ id, runs: 1 });
        expect(await producer.jobs.getJob(id)).toMatchObject({ state: 'completed', attempts: 1, stalls: 0 });
      }
    } finally {
      for (const app of apps.splice(0)) await app.close();
      await proxy.stop();
    }
  });

  it('a job that kills every process that starts it goes dead after maxStalls, reserved or not', async () => {
    const prefix = 'poison';
    const env = { PREFIX: prefix, CONCURRENCY: '10', LEASE_MS: '500', MAX_STALLS: '1' };
    const producer = await open({ prefix, workers: false, defaults: { keepCompleted: { count: 100_000 } } });
    const first = await spawn(env);
    // among short jobs, so that the first worker likely holds it reserved when it gets to it
    const items = Array.from({ length: 600 }, (_, i) => ({ name: 'count', data: i === 300 ? { poison: true } : { i } }));
    const ids = (await producer.jobs.enqueueMany(items)).map((job) => job.id);
    const poison = ids[300]!;
    expect(await first.exited).toBeNull();
    // not waited for ready: its claim loop starts while app.init() is still under way, and the
    // poison job, back in line at once, may kill it before it reports ready
    const second = WorkerProcess.launch({ REDIS_URL: server.url, ...env });
    workers.push(second);
    expect(await second.exited).toBeNull();
    // two deaths with it in hand are over maxStalls (1): the next worker finds it dead and lives
    const third = await spawn(env);
    await eventually('the poison job to be dead', async () => (await producer.jobs.getJob(poison))?.state === 'dead', 30_000);
    expect(await producer.jobs.getJob(poison)).toMatchObject({ state: 'dead', stalls: 2 });
    expect((await producer.jobs.getJob(poison))?.errors.map((error) => error.name)).toEqual(['StalledError']);
    // the jobs that were running beside it twice share its fate; every other job completes
    await eventually('every job to settle', async () => {
      const counts = (await producer.jobs.getStats()).queues.default!;
      return counts.completed + counts.dead === ids.length;
    }, 30_000);
    expect((await producer.jobs.getStats()).queues.default!.dead).toBeLessThanOrEqual(10);
    await third.stop();
  }, 120_000);

  it('app.close() honours shutdownTimeoutMs when Redis hangs', async () => {
    const prefix = 'hung';
    CountingJobs.prefix = prefix;
    const started = deferred();
    const blocker = deferred();
    CountingJobs.hold = blocker.promise;
    const app = await open({ prefix, shutdownTimeoutMs: 200 });
    const { id } = await app.jobs.enqueue('count', 'long');
    await eventually('the job to start', async () => (await runs(prefix)).get(id) === 1);
    started.resolve();
    server.pause();
    try {
      const closing = performance.now();
      await apps.pop()!.close();
      // the wait for running jobs, the last round trip's grace and the QUIT's: 200 + 500 + 200 ms
      expect(performance.now() - closing).toBeLessThan(1500);
    } finally {
      server.resume();
      blocker.resolve();
    }
    // nothing was lost: the hand-back went through once Redis woke, or the job is still held and
    // goes to another worker once the lease expires
    const reader = await open({ prefix, workers: false });
    expect(['waiting', 'active']).toContain((await reader.jobs.getJob(id))?.state);
  });

  it('lease renewals held back by a frozen Redis (a renewal that hangs) go on once it answers: the job keeps its lease and runs once', async () => {
    const prefix = 'frozen';
    CountingJobs.prefix = prefix;
    const blocker = deferred();
    CountingJobs.hold = blocker.promise;
    // renewals every 4 s; frozen for 6 s, so one renewal at least hangs 2 s or more in the freeze, while the
    // lease (12 s) holds, with room for a slow machine
    const worker = await open({ prefix, leaseMs: 12_000 });
    const { id } = await worker.jobs.enqueue('count', 'long');
    await eventually('the job to start', async () => (await runs(prefix)).get(id) === 1);
    // a second worker, which would take the job were its lease to lapse
    const other = await open({ prefix, leaseMs: 30_000 });
    server.pause();
    try {
      await new Promise((resolve) => setTimeout(resolve, 6_000));
    } finally {
      server.resume();
    }
    // long past the lease after the freeze: only renewals armed again after the hung one keep it
    await new Promise((resolve) => setTimeout(resolve, 26_000));
    blocker.resolve();
    await other.jobs.waitFor(id, { timeoutMs: 30_000 });
    expect((await runs(prefix)).get(id)).toBe(1);
    expect(await other.jobs.getJob(id)).toMatchObject({ state: 'completed', attempts: 1, stalls: 0 });
  }, 150_000);

  it('a worker whose connection is cut without a RST (its renewal hangs for good): its job runs again elsewhere once the lease lapses, and its app.close() stays bounded', async () => {
    const prefix = 'holed';
    CountingJobs.prefix = prefix;
    const blocker = deferred();
    CountingJobs.hold = blocker.promise;
    const proxy = await TcpProxy.start(server.port);
    try {
      const cutOff = await open({ connection: proxy.url, prefix, leaseMs: 2_000, shutdownTimeoutMs: 200 });
      const { id } = await cutOff.jobs.enqueue('count', 'long');
      await eventually('the job to start', async () => (await runs(prefix)).get(id) === 1);
      proxy.blackhole();
      const rescuer = await open({ prefix, leaseMs: 30_000 });
      await eventually('the job to run again on the other worker', async () => (await runs(prefix)).get(id) === 2, 60_000);
      blocker.resolve();
      await rescuer.jobs.waitFor(id, { timeoutMs: 30_000 });
      expect(await rescuer.jobs.getJob(id)).toMatchObject({ state: 'completed', stalls: 1 });
      const closing = performance.now();
      await apps.splice(apps.indexOf(cutOff), 1)[0]!.close();
      // the wait for running jobs, the last round trip's grace and the QUIT's (as with a hung Redis), with room
      expect(performance.now() - closing).toBeLessThan(5_000);
    } finally {
      blocker.resolve();
      for (const app of apps.splice(0)) await app.close();
      await proxy.stop();
    }
  }, 120_000);

  it('a delayed job starts on time when the worker that waited for it shuts down', async () => {
    const prefix = 'handover';
    CountingJobs.prefix = prefix;
    const blocked = async () => ((await redis.client('LIST')) as string).split('\n').filter((line) => line.includes('cmd=blpop')).length;
    // the first worker blocks first, so the enqueue below wakes it and it alone learns the due time
    const first = await open({ prefix });
    await eventually('the first worker to wait for work', async () => (await blocked()) === 1);
    const second = await open({ prefix });
    await eventually('the second worker to wait for work', async () => (await blocked()) === 2);
    const { id } = await second.jobs.enqueue('count', 'later', { delayMs: 1000 });
    await eventually('the first worker to wait again', async () => (await blocked()) === 2);
    await apps.splice(apps.indexOf(first), 1)[0]!.close();
    // the second worker would otherwise sleep until its lease-long wait (30 s) ends
    await expect(second.jobs.waitFor(id, { timeoutMs: 5000 })).resolves.toBeUndefined();
  });

  it('a Redis killed and restarted on its append-only file under load leaves no job stuck active', async () => {
    const durable = await RedisServer.start({ aof: true });
    const counter = durable.client();
    const prefix = 'aof';
    const saved = { redis: CountingJobs.redis, prefix: CountingJobs.prefix };
    CountingJobs.redis = counter;
    CountingJobs.prefix = prefix;
    try {
      const options = { defaults: { keepCompleted: { count: 100_000 } } };
      apps.push(await createTestApp({ connection: durable.url, prefix, leaseMs: 1500, ...options }, [CountingJobs]));
      const producer = await createTestApp({ connection: durable.url, prefix, workers: false, ...options }, [CountingJobs]);
      apps.push(producer);
      const ids = (await producer.jobs.enqueueMany(Array.from({ length: 3000 }, (_, i) => ({ name: 'count', data: i })))).map((job) => job.id);
      // claims are in flight when Redis dies: some ran and were written, their replies lost
      await eventually('the worker to be under way', async () => (await counter.hlen(`${prefix}:runs`)) > 300);
      await durable.stop('SIGKILL');
      await durable.start();
      await eventually('every job to complete', async () => {
        const counts = (await producer.jobs.getStats()).queues.default!;
        return counts.completed === ids.length;
      }, 30_000);
      expect((await producer.jobs.getStats()).queues.default).toMatchObject({ waiting: 0, active: 0, dead: 0, failed: 0 });
      expect(await counter.hlen(`${prefix}:runs`)).toBe(ids.length);
    } finally {
      for (const app of apps.splice(0)) await app.close();
      CountingJobs.redis = saved.redis;
      CountingJobs.prefix = saved.prefix;
      counter.disconnect();
      await durable.destroy();
    }
  });

  it('a delayed job starts on time when the worker woken for it is killed', async () => {
    const prefix = 'handover-kill';
    CountingJobs.prefix = prefix;
    const blocked = async () => ((await redis.client('LIST')) as string).split('\n').filter((line) => line.includes('cmd=blpop')).length;
    // the worker process blocks first, so a single wake-up would go to it alone
    const doomed = await spawn({ PREFIX: prefix, CONCURRENCY: '10' });
    await eventually('the worker process to wait for work', async () => (await blocked()) === 1);
    const survivor = await open({ prefix });
    await eventually('the second worker to wait for work', async () => (await blocked()) === 2);
    const { id } = await survivor.jobs.enqueue('count', 'later', { delayMs: 1000 });
    await doomed.kill();
    // every waiting worker heard of the new due time; otherwise this one sleeps its lease out (30 s)
    await expect(survivor.jobs.waitFor(id, { timeoutMs: 5000 })).resolves.toBeUndefined();
  });

  it("keeps time by Redis's clock, not by the clock of the host that enqueued", async () => {
    const prefix = 'skew';
    CountingJobs.prefix = prefix;
    await spawn({ PREFIX: prefix, CONCURRENCY: '1' });
    const producer = await open({ prefix, workers: false });
    // this host's clock is ten minutes fast; the worker's is right
    const realNow = Date.now;
    Date.now = () => realNow() + 10 * 60_000;
    let id: string;
    try {
      ({ id } = await producer.jobs.enqueue('count', 'soon', { delayMs: 300 }));
    } finally {
      Date.now = realNow;
    }
    const enqueuedAt = realNow();
    await expect(producer.jobs.waitFor(id, { timeoutMs: 5000 })).resolves.toBeUndefined();
    expect((await producer.jobs.getJob(id))!.startedAt!.getTime() - enqueuedAt).toBeGreaterThanOrEqual(250);
  });

  it('a job of higher priority held back by its handler limit does not make the worker hand back its reserve again and again', async () => {
    const prefix = 'limited';
    const gate = deferred();
    LimitedJobs.gate = gate.promise;
    const app = await createTestApp(
      { connection: server.url, prefix, defaults: { keepCompleted: { count: 100_000 } } },
      [LimitedJobs],
    );
    apps.push(app);
    await app.jobs.pause();
    await app.jobs.enqueueMany(Array.from({ length: 5 }, () => ({ name: 'limited', data: {}, options: { priority: 'high' as const } })));
    await app.jobs.enqueueMany(Array.from({ length: 3000 }, () => ({ name: 'quick', data: {} })));
    const claimsBefore = await scriptCalls();
    await app.jobs.resume();
    await eventually('the quick jobs to complete', async () => (await app.jobs.getStats()).queues.default!.completed === 3000, 20_000);
    // one limited job runs, four wait for it; the 3000 quick ones flow past in reserved batches
    // (before: every start handed the reserve back for the waiting high job, a claim per job)
    expect((await scriptCalls()) - claimsBefore).toBeLessThan(1000);
    gate.resolve();
  });

  it('a busy worker does not spin on a job first in line that only a free slot may take', async () => {
    const prefix = 'spin';
    const gate = deferred();
    LimitedJobs.gate = gate.promise;
    const app = await createTestApp({ connection: server.url, prefix, queues: { default: { concurrency: 1 } } }, [LimitedJobs]);
    apps.push(app);
    // instant jobs teach the worker to reserve ahead; then a long one holds its only slot
    const quick = await app.jobs.enqueueMany(Array.from({ length: 300 }, () => ({ name: 'quick', data: {} })));
    for (const { id } of quick) await app.jobs.waitFor(id);
    await app.jobs.enqueue('limited', {});
    // a job a dead worker held reserved (it may be what killed it), due now and first in line
    const base = `{${prefix}:default}`;
    const { id } = await app.jobs.enqueue('quick', {}, { delayMs: 100_000, priority: 'high' });
    const markReservedByDeadWorker = "local st = cmsgpack.unpack(redis.call('HGET', KEYS[1], ARGV[1])); st.rs = 1; redis.call('HSET', KEYS[1], ARGV[1], cmsgpack.pack(st))";
    await redis.eval(markReservedByDeadWorker, 1, `${base}:state`, id);
    await redis.zadd(`${base}:delayed`, 0, id);
    await redis.rpush(`${base}:marker`, '1');
    const before = await scriptCalls();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    // before: the worker woke itself and claimed again, over a thousand times a second
    expect((await scriptCalls()) - before).toBeLessThan(50);
    gate.resolve();
    await expect(app.jobs.waitFor(id)).resolves.toBeUndefined();
  });

  it('a rolling deploy: a worker without the handler hands the job on, no attempt used, until one that has it runs it', async () => {
    const prefix = 'deploy';
    CountingJobs.prefix = prefix;
    // the new version's process publishes the route; the old version's worker claims the job
    const newer = await createTestApp({ connection: server.url, prefix, workers: false }, [CountingJobs, ReportV2Jobs]);
    apps.push(newer);
    await open({ prefix, noHandlerPatienceMs: 5000 });
    const { id } = await newer.jobs.enqueue('report.v2', {});
    await eventually('the old worker to hand the job on', async () => (await newer.jobs.getJob(id))?.state === 'delayed');
    expect(await newer.jobs.getJob(id)).toMatchObject({ attempts: 0, errors: [] });
    apps.push(await createTestApp({ connection: server.url, prefix }, [CountingJobs, ReportV2Jobs]));
    await expect(newer.jobs.waitFor(id, { timeoutMs: 10_000 })).resolves.toBe('v2');
    expect(await newer.jobs.getJob(id)).toMatchObject({ state: 'completed', attempts: 1, errors: [] });
  });

  it('a job no worker with its handler takes within noHandlerPatienceMs is dead, with that reason', async () => {
    const prefix = 'nohandler';
    const newer = await createTestApp({ connection: server.url, prefix, workers: false }, [CountingJobs, ReportV2Jobs]);
    apps.push(newer);
    await open({ prefix, noHandlerPatienceMs: 300 });
    const { id } = await newer.jobs.enqueue('report.v2', {});
    await eventually('the job to be dead', async () => (await newer.jobs.getJob(id))?.state === 'dead');
    const job = await newer.jobs.getJob(id);
    expect(job?.deadReason).toBe('no handler');
    expect(job?.errors.map((error) => [error.name, error.message])).toEqual([
      [
        'NoHandlerError',
        'No worker with a handler for job "report.v2" took it within 300 ms (noHandlerPatienceMs); the workers that claimed it do not have it. Deploy the handler to every worker of its queue, or send the job to a queue whose workers have it.',
      ],
    ]);
  });

  it('forgets a route no process has published for five minutes', async () => {
    const prefix = 'routes';
    const newer = await createTestApp({ connection: server.url, prefix, workers: false }, [ReportV2Jobs]);
    await newer.close();
    await redis.zadd(`${prefix}:routes`, Date.now() - 6 * 60_000, 'report.v2');
    const producer = await open({ prefix, workers: false });
    await expect(producer.jobs.enqueue('report.v2', {})).rejects.toThrow(UnknownJobError);
    expect(await redis.hget(`${prefix}:handlers`, 'report.v2')).toBeNull();
  });
});

@Injectable()
class ReportV2Jobs {
  @Job('report.v2')
  run() {
    return 'v2';
  }
}

@Injectable()
class LimitedJobs {
  static gate: Promise<void> = Promise.resolve();

  @Job('limited', { concurrency: 1 })
  async limited() {
    await LimitedJobs.gate;
  }

  @Job('quick')
  quick() {
    return undefined;
  }
}
