import { SchedulerService } from '../lib/index.js';
import { RedisServer } from './support/redis-server.js';
import { createTestApp, eventually, type TestApp } from './support/test-app.js';
import { WorkerProcess } from './support/worker-process.js';

type Started = { started: string; due: number; at: number; redisAt?: number };
type Finished = { finished: string; at: number };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const startedIn = (workers: WorkerProcess[]) =>
  workers.flatMap((worker) => worker.messages.filter((message): message is Started => typeof message.started === 'string'));

describe('schedules across worker processes', () => {
  let server: RedisServer;
  let producer: TestApp | undefined;
  let prefixes = 0;
  beforeAll(async () => (server = await RedisServer.start()));
  afterEach(async () => {
    await WorkerProcess.killAll();
    await producer?.close();
    producer = undefined;
  });
  afterAll(() => server.stop());

  /** Runs counted per due time in Redis by the fixture, within [from, to). */
  async function runs(prefix: string, from: number, to: number) {
    const redis = server.client();
    try {
      const counts = Object.entries(await redis.hgetall(`${prefix}:runs`)).map(([due, count]) => [Number(due), Number(count)]);
      return { all: counts, within: counts.filter(([due]) => due! >= from && due! < to) };
    } finally {
      await redis.quit();
    }
  }

  it.each([
    ['interval', 200, 4000],
    ['cron', 1000, 5000],
  ])('three processes with one %s schedule run each tick once, not once per process', async (kind, period, span) => {
    const prefix = `sch${++prefixes}`;
    const env = { REDIS_URL: server.url, PREFIX: prefix, KIND: kind };
    const workers = await Promise.all([1, 2, 3].map(() => WorkerProcess.spawn(env, 'schedule.app')));
    const from = Math.ceil(Date.now() / period) * period;
    await sleep(from + span - Date.now() + 100);
    const { all, within } = await runs(prefix, from, from + span);
    // none anywhere ran twice; a tick that a busy machine started after the next one fell due is
    // missed (skipped, as documented), so most ticks of the span ran, not all
    expect(all.filter(([, count]) => count !== 1)).toEqual([]);
    const dues = within.map(([due]) => due!);
    expect(dues.filter((due) => (due - from) % period !== 0)).toEqual([]);
    expect(dues.length).toBeGreaterThanOrEqual(span / period / 2);
    const started = startedIn(workers).filter((run) => run.due >= from && run.due < from + span);
    expect(started).toHaveLength(dues.length);
    // never early (how late depends on how busy the machine is: npm run bench:timing measures it)
    expect(Math.min(...started.map((run) => run.at - run.due))).toBeGreaterThanOrEqual(0);
    // the ticks are spread over the processes, not all taken by one
    expect(workers.filter((worker) => worker.started.length > 0).length).toBeGreaterThanOrEqual(2);
  }, 30_000);

  it.each([-1500, 1500, 700])('a process whose clock is %i ms off Redis\'s runs an interval on time by Redis\'s clock', async (skew) => {
    const prefix = `sch${++prefixes}`;
    const env = { REDIS_URL: server.url, PREFIX: prefix, KIND: 'interval', PERIOD_MS: '1000', CLOCK_SKEW_MS: String(skew) };
    const worker = await WorkerProcess.spawn(env, 'schedule.app');
    await sleep(8000);
    const started = startedIn([worker]);
    // about one a second (a loaded machine may delay some, never skip them all as missed)
    expect(started.length).toBeGreaterThanOrEqual(3);
    // none ahead of its due time by Redis's clock (but for the age of this process's reading of it)
    expect(started.filter((run) => run.redisAt! < run.due - 200)).toEqual([]);
  }, 30_000);

  it('retries elsewhere the tick whose process was killed mid-run, and the schedule goes on', async () => {
    const prefix = `sch${++prefixes}`;
    // a run long enough that the kill lands in it, a lease long enough that the run handed on starts
    // before a later tick can take the schedule (the hold lasts two leases) on a busy machine too
    const env = { REDIS_URL: server.url, PREFIX: prefix, KIND: 'interval', RUN_MS: '2000', LEASE_MS: '3000' };
    const workers = await Promise.all([WorkerProcess.spawn(env, 'schedule.app'), WorkerProcess.spawn(env, 'schedule.app')]);
    const runner = await new Promise<WorkerProcess>((resolve) => {
      const check = setInterval(() => {
        const found = workers.find((worker) => worker.started.length > 0);
        if (found) resolve(found), clearInterval(check);
      }, 5);
    });
    const killed = runner.started[0]!;
    await runner.kill();
    const killedAt = Date.now();
    const finishedIn = (worker: WorkerProcess) => worker.messages.filter((message): message is Finished => typeof message.finished === 'string');
    expect(finishedIn(runner).map((run) => run.finished)).not.toContain(killed);
    const survivor = workers.find((worker) => worker !== runner)!;
    await eventually('the killed tick to be run again and finish in the other process', () => finishedIn(survivor).some((run) => run.finished === killed), 30_000);
    await eventually('later ticks to run', () => startedIn([survivor]).some((run) => run.due > killedAt + 1000), 30_000);
  }, 90_000);

  it('pause in one process stops the schedule in all, resume restarts it, trigger runs it now, and a schedule added at runtime runs', async () => {
    const prefix = `sch${++prefixes}`;
    const env = { REDIS_URL: server.url, PREFIX: prefix, KIND: 'interval' };
    const workers = await Promise.all([WorkerProcess.spawn(env, 'schedule.app'), WorkerProcess.spawn(env, 'schedule.app')]);
    producer = await createTestApp({ connection: server.url, prefix, workers: false });
    const scheduler = producer.app.get(SchedulerService);
    await eventually('a tick', () => startedIn(workers).length > 0);

    await scheduler.pause('tick');
    const pausedAt = Date.now();
    await sleep(1000);
    // a tick may have started as the pause was written, none after
    expect(startedIn(workers).filter((run) => run.at > pausedAt + 20)).toEqual([]);
    expect((await scheduler.list())[0]).toMatchObject({ name: 'tick', paused: true, nextRunAt: null, source: 'decorator' });

    const { id } = await scheduler.trigger('tick');
    await producer.jobs.waitFor(id);
    expect(startedIn(workers).filter((run) => run.at > pausedAt + 20).map((run) => run.started)).toEqual([id]);

    await scheduler.resume('tick');
    const resumedAt = Date.now();
    await eventually('three ticks after resume', () => startedIn(workers).filter((run) => run.due > resumedAt).length >= 3);

    await scheduler.add('report.build', { every: 300 }, { kind: 'hourly' }, { name: 'reports' });
    const reports = () => workers.flatMap((worker) => worker.messages.filter((message) => typeof message.report === 'string'));
    await eventually('two reports', () => reports().length >= 2);
    expect(reports()[0]).toMatchObject({ data: { kind: 'hourly' } });
    expect(new Set(reports().map((report) => report.report)).size).toBe(reports().length);
    await scheduler.remove('reports');
    const removedAt = Date.now();
    await sleep(700);
    expect(reports().filter((report) => (report.at as number) > removedAt + 20)).toEqual([]);
  }, 40_000);
});
