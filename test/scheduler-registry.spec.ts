import { spawnSync } from 'node:child_process';
import { Injectable } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { SchedulerRegistry } from '@nestjs/schedule';
import { CronJob } from 'cron';
import {
  BackgroundModule,
  BackgroundSchedulerRegistry,
  ClusterScheduleHandle,
  Cron,
  Interval,
  SchedulerService,
  Timeout,
  type BackgroundModuleOptions,
} from '../lib/index.js';
import { CapturedLog } from './support/captured-log.js';
import { RedisServer } from './support/redis-server.js';
import { createTestApp, eventually, type TestApp } from './support/test-app.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** A decorated schedule's entry, a handle (an added one is the CronJob given). */
const handle = (registry: BackgroundSchedulerRegistry, name: string) => registry.getCronJob(name) as ClusterScheduleHandle;

@Injectable()
class Ticks {
  readonly runs: number[] = [];

  @Cron('* * * * * *', { name: 'every-second' })
  everySecond() {
    this.runs.push(Date.now());
  }

  @Cron('0 0 3 * * *', { name: 'nightly' })
  nightly() {}

  @Interval('poll', 60_000)
  poll() {}

  @Timeout('warm-up', 60_000)
  warmUp() {}
}

describe.each(['memory', 'redis'] as const)('SchedulerRegistry of @nestjs/schedule on the %s engine', (storage) => {
  let server: RedisServer | undefined;
  let prefixes = 0;
  const apps: TestApp[] = [];

  beforeAll(async () => {
    if (storage === 'redis') server = await RedisServer.start();
  });
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((app) => app.close()));
  });
  afterAll(async () => {
    await server?.stop();
  });

  /** Options of a new cluster (a prefix of its own on Redis); pass them to `start` for each process of it. */
  function cluster(): BackgroundModuleOptions {
    return storage === 'memory' ? { storage } : { storage, connection: server!.url, prefix: `reg${++prefixes}` };
  }

  async function start(options: BackgroundModuleOptions, log?: CapturedLog) {
    const app = await createTestApp(options, [Ticks], log && ((nest) => nest.useLogger(log)));
    apps.push(app);
    return { app, registry: app.app.get(SchedulerRegistry) as unknown as BackgroundSchedulerRegistry, ticks: app.app.get(Ticks) };
  }

  it("is injected under @nestjs/schedule's SchedulerRegistry and lists the decorated schedules with those added here", async () => {
    const { app, registry } = await start(cluster());
    expect(registry).toBeInstanceOf(BackgroundSchedulerRegistry);
    expect(app.app.get(BackgroundSchedulerRegistry)).toBe(registry);

    const added = new CronJob('0 0 4 * * *', () => undefined);
    registry.addCronJob('added', added);
    expect([...registry.getCronJobs().keys()].sort()).toEqual(['added', 'every-second', 'nightly']);
    expect(registry.getCronJob('added')).toBe(added);
    expect(handle(registry, 'nightly')).toBeInstanceOf(ClusterScheduleHandle);
    expect(registry.getIntervals()).toEqual(['poll']);
    expect(registry.getTimeouts()).toEqual(['warm-up']);

    expect(registry.doesExist('cron', 'nightly')).toBe(true);
    expect(registry.doesExist('cron', 'added')).toBe(true);
    expect(registry.doesExist('interval', 'poll')).toBe(true);
    expect(registry.doesExist('timeout', 'warm-up')).toBe(true);
    expect(registry.doesExist('cron', 'poll')).toBe(false);
    expect(registry.doesExist('cron', 'missing')).toBe(false);

    const nightly = handle(registry, 'nightly');
    expect(nightly.running).toBe(true);
    expect(nightly.isActive).toBe(true);
    expect(nightly.lastDate()).toBeNull();
    const next = nightly.nextDate()!.toJSDate();
    expect(next.getTime()).toBeGreaterThan(Date.now());
    expect(next.getTime()).toBeLessThanOrEqual(Date.now() + 24 * 3600_000);
    expect([next.getHours(), next.getMinutes(), next.getSeconds()]).toEqual([3, 0, 0]);

    expect(() => registry.getCronJob('missing')).toThrow(
      'No Cron Job was found with the given name (missing). Check that you created one with a decorator or with the create API.',
    );
    expect(() => registry.getInterval('missing')).toThrow(
      'No Interval was found with the given name (missing). Check that you created one with a decorator or with the create API.',
    );
    expect(() => registry.addCronJob('nightly', new CronJob('0 0 4 * * *', () => undefined))).toThrow(
      'Cron Job with the given name (nightly) already exists. Ignored.',
    );
  });

  it('stop() pauses the decorated schedule for the whole cluster and start() resumes it; lastDate() is the last tick run here', async () => {
    const options = cluster();
    const first = await start(options);
    // on Redis a second process of the same cluster; in memory one process is the whole cluster
    const second = storage === 'redis' ? await start(options) : first;
    const runs = () => first.ticks.runs.length + (second === first ? 0 : second.ticks.runs.length);
    await eventually('a tick', () => runs() > 0);
    const job = handle(first.registry, 'every-second');
    const ranHere = first.ticks.runs.length > 0 ? first : second;
    await eventually('lastDate()', () => handle(ranHere.registry, 'every-second').lastDate() !== null);
    expect(handle(ranHere.registry, 'every-second').lastDate()!.getMilliseconds()).toBe(0);

    job.stop();
    expect(job.running).toBe(false);
    await job.settled();
    const stoppedAt = Date.now();
    const seen = runs();
    await sleep(2500);
    // a tick may have started as the pause was written, none after
    expect([...first.ticks.runs, ...(second === first ? [] : second.ticks.runs)].filter((at) => at > stoppedAt + 50)).toEqual([]);
    expect(runs()).toBeLessThanOrEqual(seen + 1);
    const list = await second.app.app.get(SchedulerService).list();
    expect(list.find((schedule) => schedule.name === 'every-second')).toMatchObject({ paused: true });
    // the other process reads it at its next start; what it was told here it knows at once
    if (second !== first) expect(handle(second.registry, 'every-second').running).toBe(true);

    job.start();
    expect(job.running).toBe(true);
    await job.settled();
    const resumedAt = Date.now();
    await eventually('a tick after start()', () => [...first.ticks.runs, ...second.ticks.runs].some((at) => at > resumedAt));
  }, 40_000);

  it('a process that starts while the schedule is paused reports it stopped', async () => {
    const options = cluster();
    const first = await start(options);
    handle(first.registry, 'nightly').stop();
    await handle(first.registry, 'nightly').settled();
    if (storage === 'memory') return expect(handle(first.registry, 'nightly').running).toBe(false);
    const second = await start(options);
    expect(handle(second.registry, 'nightly').running).toBe(false);
    expect(handle(second.registry, 'every-second').running).toBe(true);
  });

  it('a CronJob added at run time runs its callback in every process that added it, not once for the cluster', async () => {
    const options = cluster();
    const processes = storage === 'redis' ? [await start(options), await start(options)] : [await start(options)];
    const calls = processes.map(() => 0);
    const jobs = processes.map(({ registry }, index) => {
      const job = new CronJob('* * * * * *', () => void calls[index]!++);
      registry.addCronJob('local', job);
      return job;
    });
    expect(jobs.map((job) => job.isActive)).toEqual(processes.map(() => false));
    jobs.forEach((job) => job.start());
    await eventually('two calls in each process', () => calls.every((count) => count >= 2));
  }, 40_000);

  it("logs what an added CronJob's callback throws, and goes on", async () => {
    const log = new CapturedLog();
    const { registry } = await start(cluster(), log);
    let calls = 0;
    const job = CronJob.from({
      cronTime: '* * * * * *',
      waitForCompletion: true,
      onTick: async () => {
        calls++;
        throw new Error('disk\nfull');
      },
    });
    registry.addCronJob('throws', job);
    job.start();
    await eventually('two calls', () => calls >= 2);
    expect(log.lines).toContain('error Cron job "throws" (added with schedulerRegistry.addCronJob) failed: disk\\nfull');
  }, 40_000);

  it('deleteCronJob stops and forgets an added job; on a decorated one it pauses it for the cluster and forgets it here', async () => {
    const { app, registry } = await start(cluster());
    const job = new CronJob('* * * * * *', () => undefined);
    registry.addCronJob('added', job);
    job.start();
    registry.deleteCronJob('added');
    expect(job.isActive).toBe(false);
    expect(registry.doesExist('cron', 'added')).toBe(false);
    expect(() => registry.getCronJob('added')).toThrow(
      'No Cron Job was found with the given name (added). Check that you created one with a decorator or with the create API.',
    );

    const nightly = handle(registry, 'nightly');
    registry.deleteCronJob('nightly');
    await nightly.settled();
    expect(registry.doesExist('cron', 'nightly')).toBe(false);
    expect([...registry.getCronJobs().keys()]).toEqual(['every-second']);
    const list = await app.app.get(SchedulerService).list();
    expect(list.find((schedule) => schedule.name === 'nightly')).toMatchObject({ paused: true });
    // a name freed here may be taken by a job of this process
    registry.addCronJob('nightly', new CronJob('0 0 4 * * *', () => undefined));
    expect(registry.getCronJob('nightly')).not.toBeInstanceOf(ClusterScheduleHandle);

    expect(() => registry.deleteCronJob('missing')).toThrow('No Cron Job was found with the given name (missing).');
  });

  it('keeps timers added here by name, clears them with delete*, and stops and forgets all it was given at shutdown', async () => {
    const { app, registry } = await start(cluster());
    let fired = 0;
    const interval = setInterval(() => fired++, 50);
    const timeout = setTimeout(() => fired++, 50);
    registry.addInterval('refresh', interval);
    registry.addTimeout('once', timeout);
    expect(registry.getInterval('refresh')).toBe(interval);
    expect(registry.getTimeout('once')).toBe(timeout);
    expect(() => registry.addInterval('refresh', interval)).toThrow('Interval with the given name (refresh) already exists. Ignored.');
    registry.deleteTimeout('once');
    expect(registry.getTimeouts()).toEqual(['warm-up']);

    const job = new CronJob('* * * * * *', () => undefined);
    registry.addCronJob('added', job);
    job.start();
    await app.close();
    expect(job.isActive).toBe(false);
    expect(registry.getCronJobs().size).toBe(0);
    expect(registry.getIntervals()).toEqual([]);
    expect(registry.getTimeouts()).toEqual([]);
    const after = fired;
    await sleep(200);
    expect(fired).toBe(after);
  });
});

describe('without @nestjs/schedule installed', () => {
  it('the application boots and BackgroundSchedulerRegistry serves its schedules', () => {
    // the build in dist-test, in a process where the package cannot be found (test/fixtures/no-schedule-peer.hooks.mjs)
    const script = `
      import 'reflect-metadata';
      import { Injectable, Module } from '@nestjs/common';
      import { NestFactory } from '@nestjs/core';
      const { BackgroundModule, BackgroundSchedulerRegistry, Cron } = await import('${process.cwd()}/dist-test/lib/index.js');
      let Ticks = Reflect.decorate([Injectable()], class { tick() {} });
      Reflect.decorate([Cron('0 0 3 * * *', { name: 'nightly' })], Ticks.prototype, 'tick', Object.getOwnPropertyDescriptor(Ticks.prototype, 'tick'));
      const AppModule = Reflect.decorate([Module({ imports: [BackgroundModule.forRoot({ storage: 'memory' })], providers: [Ticks] })], class {});
      const app = await NestFactory.createApplicationContext(AppModule, { logger: false });
      const peer = await import('@nestjs/schedule').then(() => 'installed', (error) => error.code);
      console.log(JSON.stringify({ peer, jobs: [...app.get(BackgroundSchedulerRegistry).getCronJobs().keys()] }));
      await app.close();
    `;
    const run = spawnSync(process.execPath, ['--import', './test/fixtures/no-schedule-peer.register.mjs', '--input-type=module', '-e', script], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toEqual({ peer: 'ERR_MODULE_NOT_FOUND', jobs: ['nightly'] });
  });
});

describe('with isGlobal: false', () => {
  it("boots, and does not provide @nestjs/schedule's global token from a module that is not global", async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [BackgroundModule.forRoot({ storage: 'memory', isGlobal: false })],
      providers: [Ticks],
    }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    try {
      await app.init();
      expect([...app.get(BackgroundSchedulerRegistry).getCronJobs().keys()].sort()).toEqual(['every-second', 'nightly']);
      expect(() => app.get(SchedulerRegistry)).toThrow();
    } finally {
      await app.close();
    }
  });
});
