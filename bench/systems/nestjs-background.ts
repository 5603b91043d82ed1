import 'reflect-metadata';
import { applyDecorators, Injectable, Module, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { BackgroundModule, CircuitBreaker, Job, JobsService, Retry, type EnqueueOptions, type JobContext, type JobOptions } from 'nestjs-background';
import { BackgroundMetricsModule } from 'nestjs-background/metrics';
import { Registry } from 'prom-client';
import { openDashboardTab, type DashboardTab } from './dashboard-tab.js';
import type { JobShape, NoopData, QueueSystem, SystemTarget, WorkerSettings } from './system.js';

/** Set by `startWorker`; the handler below forwards every job start to it. */
let onJob: (data: NoopData) => void = () => {};
/** Set by `startWorker`: how long each job lasts (0: it returns at once). */
let jobMs = 0;
/** Set by `startWorker`: job `i` with i mod failEvery = 0 fails its first attempt (0: none fails). */
let failEvery = 0;

/** BENCH_DASHBOARD=1: how long the producer's page's first read may go on after its first event. */
const FIRST_READ_MS = 200;

/** Low, normal and high, for job i mod 3 (see JobShape). */
const THREE_PRIORITIES = ['low', 'normal', 'high'] as const;

function enqueueOptions(i: number, shape: JobShape): EnqueueOptions | undefined {
  if (!shape.threePriorities && shape.delayMs === undefined) return undefined;
  return { ...(shape.threePriorities ? { priority: THREE_PRIORITIES[i % 3] } : {}), ...(shape.delayMs === undefined ? {} : { delayMs: shape.delayMs }) };
}

/** The `noop` handler, with `options` on its `@Job` and the decorators the settings ask for. */
function noopHandlers(options: JobOptions, settings: WorkerSettings) {
  const decorate = applyDecorators(
    Job('noop', settings.ratePerSecond ? { ...options, rateLimit: { max: settings.ratePerSecond, perMs: 1000 } } : options),
    ...(settings.breaker ? [CircuitBreaker('bench')] : []),
    ...(settings.failEvery ? [Retry({ attempts: 3, backoff: { type: 'fixed', delayMs: 0, jitter: false } })] : []),
  );
  @Injectable()
  class NoopHandlers {
    @decorate
    noop(data: NoopData, ctx: JobContext): void | Promise<void> {
      onJob(data);
      if (failEvery > 0 && ctx.attempt === 1 && data.i % failEvery === 0) throw new Error('first attempt fails');
      if (jobMs > 0) return new Promise((resolve) => setTimeout(resolve, jobMs));
    }
  }
  return NoopHandlers;
}

/** A Nest app of the bench and, with BENCH_DASHBOARD=1, the dashboard tab it keeps open. */
interface BenchApp {
  app: INestApplicationContext;
  tab?: DashboardTab;
  close(): Promise<void>;
}

async function createApp(target: SystemTarget, workers: boolean, concurrency = 10, settings: WorkerSettings = {}, dashboard = false): Promise<BenchApp> {
  const { redisPort, namespace } = target;
  // imported only when asked for, so that the default bench loads what it always loaded
  const dashboardModules = dashboard ? [(await import('nestjs-background/dashboard')).BackgroundDashboardModule.forRoot({ authorize: () => true })] : [];
  const on = settings.concurrencyOn ?? 'queue';
  @Module({
    imports: [
      BackgroundModule.forRoot({
        connection: `redis://127.0.0.1:${redisPort}`,
        prefix: namespace,
        ...(on === 'handler' ? {} : { queues: { default: { concurrency } } }),
        workers,
        ...(settings.leaseMs === undefined ? {} : { leaseMs: settings.leaseMs }),
      }),
      // scenarios 1-9 measure it as a production app runs it: every job counted by the Prometheus metrics
      ...(settings.metrics === false ? [] : [BackgroundMetricsModule.forRoot({ registry: new Registry() })]),
      ...dashboardModules,
    ],
    providers: [noopHandlers(on === 'queue' ? {} : { concurrency }, settings)],
  })
  class BenchModule {}

  // Failed attempts are logged at warn, one line each; BullMQ logs none, so neither does this side.
  const logger: ('error' | 'warn')[] = settings.failEvery ? ['error'] : ['error', 'warn'];
  if (!dashboard) {
    // createApplicationContext runs app.init() itself; with `workers: true` that starts consuming.
    const app = await NestFactory.createApplicationContext(BenchModule, { logger });
    return { app, close: () => app.close() };
  }
  // BENCH_DASHBOARD=1: an HTTP app (express) on a free port, as an app serving the dashboard runs;
  // listen() runs init(), which starts consuming. Then one page is left open on the queue.
  const app = await NestFactory.create(BenchModule, { logger });
  await app.listen(0, '127.0.0.1');
  const tab = await openDashboardTab(app, 'default');
  return {
    app,
    tab,
    // the app first, which ends the stream from the server's side: a stream the client aborted
    // just before held app.close() ~4 s (until the keep-alive timeout) in half of the tries
    close: async () => {
      try {
        await tab.firstEvent();
        await app.close();
      } finally {
        await tab.close();
      }
    },
  };
}

export function createNestjsBackgroundSystem(target: SystemTarget): QueueSystem {
  return {
    async createProducer() {
      const bench = await createApp(target, false, undefined, undefined, target.dashboard);
      // the page was open before the enqueues: its first (cold) read, which goes on for a few ms after
      // the first event, is not in the timed window; the next ones come every second as they would
      // (a worker's app starts in its window, with its page)
      if (bench.tab) {
        await bench.tab.firstEvent();
        await new Promise((resolve) => setTimeout(resolve, FIRST_READ_MS));
      }
      const jobs = bench.app.get(JobsService);
      return {
        async enqueue(data) {
          await jobs.enqueue('noop', data);
        },
        async enqueueMany(items, shape = {}) {
          await jobs.enqueueMany(items.map((data) => ({ name: 'noop', data, options: enqueueOptions(data.i, shape) })));
        },
        async countWaiting() {
          return (await jobs.getStats()).queues.default?.waiting ?? 0;
        },
        ...(bench.tab ? { dashboardEvents: bench.tab.events } : {}),
        close: () => bench.close(),
      };
    },
    async startWorker(concurrency, handler, settings = {}) {
      onJob = handler;
      jobMs = settings.jobMs ?? 0;
      failEvery = settings.failEvery ?? 0;
      const bench = await createApp(target, true, concurrency, settings, target.dashboard);
      return { ...(bench.tab ? { dashboardEvents: bench.tab.events } : {}), close: () => bench.close() };
    },
    async createMonitor() {
      // the bench's own observer: never a dashboard
      const { app, close } = await createApp(target, false);
      const jobs = app.get(JobsService);
      return {
        async counts() {
          const q = (await jobs.getStats()).queues.default;
          if (!q) return { unsettled: 0, completed: 0, failed: 0 };
          // `failed` here means failed and waiting for a retry; `dead` is a job that ended failed
          return { unsettled: q.waiting + q.delayed + q.active + q.failed, completed: q.completed, failed: q.dead };
        },
        close,
      };
    },
  };
}
