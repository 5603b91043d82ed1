import { Injectable } from '@nestjs/common';
import {
  Cron,
  CronExpression,
  Interval,
  Job,
  Retry,
  SchedulerService,
  Timeout,
  type JobContext,
  type ScheduleTick,
} from '../../lib/index.js';
import { createTestApp, deferred, eventually, type TestApp } from '../support/test-app.js';
import type { EngineHarness } from './engine-harness.js';

type Run = { due: number; at: number; id: string };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

@Injectable()
class Ticker {
  static runs: Run[] = [];
  @Interval('ticker', 100)
  tick(tick: ScheduleTick, ctx: JobContext) {
    Ticker.runs.push({ due: tick.due, at: Date.now(), id: ctx.id });
  }
}

@Injectable()
class EverySecond {
  static runs: Run[] = [];
  @Cron(CronExpression.EVERY_SECOND, { name: 'every-second' })
  tick(tick: ScheduleTick, ctx: JobContext) {
    EverySecond.runs.push({ due: tick.due, at: Date.now(), id: ctx.id });
  }
}

/** Slower than its period: with overlap: false, ticks that fall while it runs are skipped. */
@Injectable()
class Slow {
  static running = 0;
  static most = 0;
  static runs = 0;
  @Interval('slow', 50)
  async tick() {
    Slow.most = Math.max(Slow.most, ++Slow.running);
    Slow.runs++;
    await sleep(180);
    Slow.running--;
  }
}

@Injectable()
class Limited {
  static runs: number[] = [];
  @Interval('limited', 50, { limit: 3, runOnStart: true })
  tick(tick: ScheduleTick) {
    Limited.runs.push(tick.due);
  }
}

@Injectable()
class Flaky {
  static calls: number[] = [];
  @Interval('flaky', 60_000, { runOnStart: true })
  @Retry({ attempts: 3, backoff: { type: 'fixed', delayMs: 10, jitter: false } })
  tick(tick: ScheduleTick) {
    Flaky.calls.push(tick.due);
    if (Flaky.calls.length < 3) throw new Error(`flaky ${Flaky.calls.length}`);
    return 'done';
  }
}

@Injectable()
class Local {
  static calls: string[] = [];
  @Interval('local', 40, { scope: 'instance' })
  often() {
    Local.calls.push('interval');
  }

  @Timeout('warm-up', 30)
  once() {
    Local.calls.push('timeout');
  }
}

@Injectable()
class Reports {
  static built: { data: unknown; id: string; at: number }[] = [];
  @Job('report.build')
  build(data: unknown, ctx: JobContext) {
    Reports.built.push({ data, id: ctx.id, at: Date.now() });
  }
}

/** Recurring schedules, proven against every engine (one process here; see schedule.spec for three). */
export function describeSchedules(harness: EngineHarness): void {
  describe(`schedules: ${harness.name} engine`, () => {
    let app: TestApp | undefined;
    const open = async (providers: any[]) => {
      app = await createTestApp(harness.options({ queues: { default: { concurrency: 5 } } }), providers);
      return app;
    };
    beforeAll(() => harness.setup());
    afterAll(() => harness.teardown());
    afterEach(async () => {
      await app?.close();
      app = undefined;
    });

    // How late ticks start (within 50 ms on a quiet machine: npm run bench:timing) is no promise a busy
    // one can keep: it delays them, and one that starts after the next fell due is missed (skipped, as documented).
    it('runs an @Interval tick at most once per period, on its due times, never early', async () => {
      Ticker.runs = [];
      await open([Ticker]);
      await eventually('eight ticks', () => Ticker.runs.length >= 8, 30_000);
      const runs = Ticker.runs.slice(0, 8);
      for (const run of runs) expect(run.due % 100).toBe(0);
      // in order, none twice; a period skipped only when its tick was missed
      for (let i = 1; i < runs.length; i++) expect(runs[i]!.due).toBeGreaterThan(runs[i - 1]!.due);
      expect(Math.min(...runs.map((run) => run.at - run.due))).toBeGreaterThanOrEqual(0);
      expect(runs[0]!.id).toBe(`schedule:ticker:${runs[0]!.due}`);
    });

    it('runs a @Cron(CronExpression.EVERY_SECOND) tick on whole seconds, never early', async () => {
      EverySecond.runs = [];
      await open([EverySecond]);
      await eventually('three ticks', () => EverySecond.runs.length >= 3, 30_000);
      const runs = EverySecond.runs.slice(0, 3);
      for (const run of runs) expect(run.due % 1000).toBe(0);
      for (let i = 1; i < runs.length; i++) expect(runs[i]!.due).toBeGreaterThan(runs[i - 1]!.due);
      expect(Math.min(...runs.map((run) => run.at - run.due))).toBeGreaterThanOrEqual(0);
    });

    it('skips a tick while the previous run is still active (overlap: false), and says so', async () => {
      Object.assign(Slow, { running: 0, most: 0, runs: 0 });
      await open([Slow]);
      const scheduler = app!.app.get(SchedulerService);
      await sleep(700);
      expect(Slow.most).toBe(1);
      expect(Slow.runs).toBeGreaterThanOrEqual(2);
      expect(Slow.runs).toBeLessThanOrEqual(5);
      await eventually('a skipped tick to be listed', async () => (await scheduler.list())[0]!.lastOutcome === 'skipped');
    });

    it('stops after limit runs, counting runOnStart', async () => {
      Limited.runs = [];
      await open([Limited]);
      await eventually('three runs', () => Limited.runs.length === 3, 3000);
      await sleep(300);
      expect(Limited.runs).toHaveLength(3);
      const [info] = await app!.app.get(SchedulerService).list();
      expect(info).toMatchObject({ name: 'limited', runs: 3, nextRunAt: null });
    });

    it('retries a failing tick under @Retry on the same method', async () => {
      Flaky.calls = [];
      await open([Flaky]);
      await eventually('the third attempt', () => Flaky.calls.length === 3);
      // the same tick each time, retried as a job
      expect(new Set(Flaky.calls).size).toBe(1);
      const scheduler = app!.app.get(SchedulerService);
      await eventually('the tick to complete', async () => (await scheduler.list())[0]!.lastOutcome === 'completed');
      const [info] = await scheduler.list();
      expect(info).toMatchObject({ name: 'flaky', job: 'schedule:flaky', scope: 'cluster', source: 'decorator', every: 60_000, runs: 1 });
      expect(info!.nextRunAt!.getTime() % 60_000).toBe(0);
      expect(await app!.jobs.getJob(info!.lastJobId!)).toMatchObject({ state: 'completed', attempts: 3, result: 'done' });
    });

    it("calls scope: 'instance' schedules and @Timeout in this process, directly", async () => {
      Local.calls = [];
      await open([Local]);
      await eventually('the timeout and three intervals', () => Local.calls.filter((call) => call === 'interval').length >= 3 && Local.calls.includes('timeout'));
      expect(Local.calls.filter((call) => call === 'timeout')).toHaveLength(1);
      expect(await app!.jobs.getStats()).toMatchObject({ queues: { default: { completed: 0 } } });
    });

    it('pauses, resumes and triggers a schedule, and adds and removes one at runtime', async () => {
      Ticker.runs = [];
      Reports.built = [];
      await open([Ticker, Reports]);
      const scheduler = app!.app.get(SchedulerService);
      await eventually('a tick', () => Ticker.runs.length > 0);

      await scheduler.pause('ticker');
      const pausedAt = Date.now();
      expect((await scheduler.list()).find((s) => s.name === 'ticker')).toMatchObject({ paused: true, nextRunAt: null });
      await sleep(350);
      expect(Ticker.runs.filter((run) => run.at > pausedAt + 5)).toHaveLength(0);

      const { id } = await scheduler.trigger('ticker');
      await app!.jobs.waitFor(id);
      expect(Ticker.runs.filter((run) => run.at > pausedAt + 5).map((run) => run.id)).toEqual([id]);

      await scheduler.resume('ticker');
      const resumedAt = Date.now();
      await eventually('ticks after resume', () => Ticker.runs.filter((run) => run.due > resumedAt).length >= 2);

      await scheduler.add('report.build', { every: 100 }, { kind: 'daily' }, { name: 'reports' });
      await eventually('two reports', () => Reports.built.length >= 2);
      expect(Reports.built[0]!.data).toEqual({ kind: 'daily' });
      expect(Reports.built[0]!.id).toMatch(/^schedule:reports:\d+$/);
      await eventually('the report tick to be listed', async () => {
        const reports = (await scheduler.list()).find((s) => s.name === 'reports');
        return reports?.source === 'runtime' && reports.lastOutcome === 'completed';
      });
      await expect(scheduler.add('report.build', { every: 100 }, null, { name: 'reports' })).rejects.toThrow(
        'scheduler.add(): a schedule named "reports" exists already. Pick another name, or scheduler.remove(\'reports\') first.',
      );
      await expect(scheduler.remove('ticker')).rejects.toThrow(/declared in code, by Ticker@tick/);

      await scheduler.remove('reports');
      const removedAt = Date.now();
      await sleep(300);
      expect(Reports.built.filter((report) => report.at > removedAt + 5)).toHaveLength(0);
      expect((await scheduler.list()).map((s) => s.name)).toEqual(['ticker']);
      await expect(scheduler.pause('nope')).rejects.toThrow(
        'scheduler.pause(): no schedule named "nope" exists (there are: ticker). Check the name with scheduler.list(), or create the schedule with @Interval, @Cron or scheduler.add().',
      );
    });

    it('pause() with no name pauses every schedule; resume() restarts them', async () => {
      Ticker.runs = [];
      await open([Ticker]);
      const scheduler = app!.app.get(SchedulerService);
      await scheduler.pause();
      const pausedAt = Date.now();
      await sleep(300);
      expect(Ticker.runs.filter((run) => run.at > pausedAt + 5)).toHaveLength(0);
      await scheduler.resume();
      const resumed = deferred();
      const check = setInterval(() => Ticker.runs.some((run) => run.at > pausedAt + 300) && resumed.resolve(), 10);
      await resumed.promise;
      clearInterval(check);
    });
  });
}
