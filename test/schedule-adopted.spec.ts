import 'reflect-metadata';
import { Injectable, type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { jest } from '@jest/globals';
import { Cron as PeerCron, CronExpression as PeerCronExpression, Interval as PeerInterval, Timeout as PeerTimeout } from '@nestjs/schedule';
import { BackgroundModule, Cron, Interval, Job, JobsService, SchedulerService, type BackgroundModuleOptions, type ScheduleTick } from '../lib/index.js';
import { PEER_METADATA_KEYS } from '../lib/schedule/peer/schedule-peer.metadata.js';
import { ScheduleClock } from '../lib/schedule/schedule.clock.js';
import { ScheduleTiming } from '../lib/schedule/schedule.timing.js';
import { RedisServer } from './support/redis-server.js';
import { eventually } from './support/test-app.js';

// An application that keeps `import { Cron, Interval, Timeout } from '@nestjs/schedule'` and swaps
// ScheduleModule.forRoot() for BackgroundModule.forRoot(): its methods run once per cluster.

async function start(options: BackgroundModuleOptions, providers: Function[], imports: any[] = []): Promise<INestApplication> {
  const moduleRef = await Test.createTestingModule({ imports: [BackgroundModule.forRoot(options), ...imports], providers: providers as never[] }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  try {
    await app.init();
  } catch (error) {
    await app.close().catch(() => undefined);
    throw error;
  }
  return app;
}

const START = Date.UTC(2020, 0, 1);

describe('the metadata of @nestjs/schedule', () => {
  it("is read under the keys and types its installed decorators write (an upgrade that renames them fails here)", () => {
    class Probe {
      @PeerCron('* * * * * *', { name: 'c' }) cron() {}
      @PeerInterval('i', 10) interval() {}
      @PeerTimeout('t', 10) timeout() {}
    }
    const keys = (method: Function) => Reflect.getMetadataKeys(method).sort();
    expect(keys(Probe.prototype.cron)).toEqual([PEER_METADATA_KEYS.cron, PEER_METADATA_KEYS.name, PEER_METADATA_KEYS.type].sort());
    expect(keys(Probe.prototype.interval)).toEqual([PEER_METADATA_KEYS.interval, PEER_METADATA_KEYS.name, PEER_METADATA_KEYS.type].sort());
    expect(keys(Probe.prototype.timeout)).toEqual([PEER_METADATA_KEYS.name, PEER_METADATA_KEYS.timeout, PEER_METADATA_KEYS.type].sort());
    const type = (method: Function) => Reflect.getMetadata(PEER_METADATA_KEYS.type, method);
    expect([type(Probe.prototype.cron), type(Probe.prototype.timeout), type(Probe.prototype.interval)]).toEqual([1, 2, 3]);
  });
});

describe('adopted decorators on Redis, two processes sharing it', () => {
  let server: RedisServer;
  const apps: INestApplication[] = [];
  let prefixes = 0;
  beforeAll(async () => (server = await RedisServer.start()));
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((app) => app.close()));
  });
  afterAll(() => server.stop());

  it('@Interval and @Cron run each tick once across both, @Timeout in each, under the names given', async () => {
    const dues: Record<string, number[]> = { interval: [], cron: [] };
    const timeouts: string[] = [];
    @Injectable()
    class Reports {
      @PeerInterval('peer-interval', 400) interval(tick: ScheduleTick) {
        dues.interval!.push(tick.due);
      }
      @PeerCron(PeerCronExpression.EVERY_SECOND, { name: 'peer-cron' }) cron(tick: ScheduleTick) {
        dues.cron!.push(tick.due);
      }
      @PeerTimeout(200) warm() {
        timeouts.push('warm');
      }
      @PeerCron(PeerCronExpression.EVERY_30_SECONDS, { disabled: true }) off() {}
    }
    const options = { connection: server.url, prefix: `adopt${++prefixes}` };
    apps.push(await start(options, [Reports]), await start(options, [Reports]));
    await eventually('five ticks of each', () => dues.interval!.length >= 5 && dues.cron!.length >= 5);
    await eventually('both processes to run their @Timeout', () => timeouts.length === 2);
    for (const kind of ['interval', 'cron']) expect(new Set(dues[kind]).size).toBe(dues[kind]!.length);
    const list = await apps[0]!.get(SchedulerService).list();
    expect(list.map(({ name, scope, every, cron, disabled }) => ({ name, scope, every, cron, disabled }))).toEqual([
      { name: 'Reports.off', scope: 'cluster', every: undefined, cron: '*/30 * * * * *', disabled: true },
      { name: 'Reports.warm', scope: 'instance', every: undefined, cron: undefined, disabled: false },
      { name: 'peer-cron', scope: 'cluster', every: undefined, cron: '* * * * * *', disabled: false },
      { name: 'peer-interval', scope: 'cluster', every: 400, cron: undefined, disabled: false },
    ]);
    // disabled: listed as such, not as active with a next run
    expect(list[0]!.nextRunAt).toBeNull();
    expect(list[3]!.nextRunAt).not.toBeNull();
  });

  it('a Date runs the method once, at that time, once in the cluster; utcOffset reads the expression at that offset', async () => {
    const runs: number[] = [];
    const at = new Date(Date.now() + 2500);
    @Injectable()
    class Launch {
      @PeerCron(at, { name: 'launch' }) go() {
        runs.push(Date.now());
      }
      @PeerCron('0 0 9 * * *', { name: 'india-morning', utcOffset: 330 }) morning() {}
      @PeerCron('0 0 9 * * *', { name: 'kolkata-morning', timeZone: 'Asia/Kolkata' }) kolkata() {}
      @Cron('0 0 9 * * *', { name: 'our-kolkata-morning', timeZone: 'Asia/Kolkata' }) ours() {}
    }
    const options = { connection: server.url, prefix: `adopt${++prefixes}` };
    apps.push(await start(options, [Launch]), await start(options, [Launch]));
    const scheduler = apps[0]!.get(SchedulerService);
    const before = await scheduler.list();
    expect(before.find((info) => info.name === 'launch')!.nextRunAt).toEqual(at);
    // 09:00 at UTC+05:30 is 03:30 UTC (a time zone was read in the process's own zone before)
    for (const name of ['india-morning', 'kolkata-morning', 'our-kolkata-morning']) {
      const morning = before.find((info) => info.name === name)!.nextRunAt!;
      expect([name, morning.getUTCHours(), morning.getUTCMinutes()]).toEqual([name, 3, 30]);
    }
    await eventually('the one-off run', () => runs.length === 1);
    expect(runs[0]).toBeGreaterThanOrEqual(at.getTime() - 50);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(runs).toHaveLength(1);
    expect((await scheduler.list()).find((info) => info.name === 'launch')!.nextRunAt).toBeNull();
  });

  it('an adopted tick that throws is logged and not retried, as in @nestjs/schedule; @Retry on it still applies', async () => {
    let calls = 0;
    @Injectable()
    class Flaky {
      @PeerInterval('flaky', 500) run() {
        calls++;
        throw new Error('flaky tick');
      }
    }
    const options = { connection: server.url, prefix: `adopt${++prefixes}`, defaults: { backoff: { delayMs: 0 } } };
    apps.push(await start(options, [Flaky]));
    const scheduler = apps[0]!.get(SchedulerService);
    await eventually('a failed tick', async () => (await scheduler.list())[0]!.lastError === 'flaky tick');
    const [info] = await scheduler.list();
    const job = await apps[0]!.get(JobsService).getJob(info!.lastJobId!);
    expect(job).toMatchObject({ attempts: 1, maxAttempts: 1 });
    expect(calls).toBeGreaterThanOrEqual(1);
  });
});

describe('adopted options on the memory engine, under fake timers', () => {
  let app: INestApplication | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
    jest.useRealTimers();
  });

  async function startFaked(providers: Function[], options: BackgroundModuleOptions = {}) {
    const moduleRef = await Test.createTestingModule({ imports: [BackgroundModule.forRoot({ storage: 'memory', ...options })], providers: providers as never[] }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    jest.useFakeTimers({ now: START });
    await app.init();
    return app;
  }

  it('waitForCompletion: true skips the ticks due while a run goes on; without it runs overlap, as setInterval does', async () => {
    const running = { waits: 0, overlaps: 0, maxWaits: 0, maxOverlaps: 0 };
    @Injectable()
    class Slow {
      @PeerCron(PeerCronExpression.EVERY_SECOND, { name: 'waits', waitForCompletion: true }) async waits() {
        running.maxWaits = Math.max(running.maxWaits, ++running.waits);
        await new Promise((resolve) => setTimeout(resolve, 2500));
        running.waits--;
      }
      @PeerInterval('overlaps', 1000) async overlaps() {
        running.maxOverlaps = Math.max(running.maxOverlaps, ++running.overlaps);
        await new Promise((resolve) => setTimeout(resolve, 2500));
        running.overlaps--;
      }
    }
    // app.close() waits for the runs still going in real time, this long (fake time does not pass by itself)
    await startFaked([Slow], { shutdownTimeoutMs: 200 });
    await jest.advanceTimersByTimeAsync(6000);
    expect(running.maxWaits).toBe(1);
    expect(running.maxOverlaps).toBeGreaterThanOrEqual(2);
  });

  it('threshold skips a tick that starts later than it allows; one without a threshold runs late', async () => {
    const calls = { strict: 0, lenient: 0 };
    @Injectable()
    class Late {
      @PeerCron('*/2 * * * * *', { name: 'strict', threshold: 100 }) strict() {
        calls.strict++;
      }
      @PeerCron('*/2 * * * * *', { name: 'lenient' }) lenient() {
        calls.lenient++;
      }
      @Job('blocker') async block() {
        await new Promise((resolve) => setTimeout(resolve, 2500));
      }
    }
    const faked = await startFaked([Late], { queues: { default: { concurrency: 1 } } });
    await faked.get(JobsService).enqueue('blocker', {});
    // the one slot is busy until 2500: the ticks due at 2000 start 500 ms late
    await jest.advanceTimersByTimeAsync(3000);
    expect(calls).toEqual({ strict: 0, lenient: 1 });
    const strict = (await faked.get(SchedulerService).list()).find((info) => info.name === 'strict')!;
    expect(strict.lastOutcome).toBe('skipped');
    await jest.advanceTimersByTimeAsync(1000);
    expect(calls).toEqual({ strict: 1, lenient: 2 });
  });

  it('a disabled schedule never ticks, and SchedulerService.trigger() still runs it', async () => {
    let calls = 0;
    @Injectable()
    class Dormant {
      @PeerCron(PeerCronExpression.EVERY_SECOND, { name: 'dormant', disabled: true }) run() {
        calls++;
      }
    }
    const faked = await startFaked([Dormant]);
    await jest.advanceTimersByTimeAsync(3000);
    expect(calls).toBe(0);
    await faked.get(SchedulerService).trigger('dormant');
    await jest.advanceTimersByTimeAsync(10);
    expect(calls).toBe(1);
  });

  it("schedule: { cronJobs: false } declares no @Cron of either set in this process; intervals still run", async () => {
    const calls: string[] = [];
    @Injectable()
    class Mixed {
      @PeerCron(PeerCronExpression.EVERY_SECOND) peer() {
        calls.push('peer cron');
      }
      @Cron(PeerCronExpression.EVERY_SECOND) ours() {
        calls.push('our cron');
      }
      @Interval(1000) interval() {
        calls.push('interval');
      }
    }
    const faked = await startFaked([Mixed], { schedule: { cronJobs: false } });
    await jest.advanceTimersByTimeAsync(2000);
    expect(calls).toEqual(['interval', 'interval']);
    expect((await faked.get(SchedulerService).list()).map((info) => info.name)).toEqual(['Mixed.interval']);
  });
});

describe('unrefTimeout', () => {
  it("leaves the schedule's timer unref'd, so that it does not keep the process alive", () => {
    const timing = new ScheduleTiming({ every: 60_000 });
    for (const unref of [true, false]) {
      const clock = new ScheduleClock(timing, 0, Date.now, async () => true, () => undefined, unref);
      clock.start(timing.next(Date.now()), false);
      expect((clock as unknown as { timer: NodeJS.Timeout }).timer.hasRef()).toBe(!unref);
      clock.stop();
    }
  });
});
