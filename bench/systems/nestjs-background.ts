import 'reflect-metadata';
import { Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { BackgroundModule, Job, JobsService, type JobContext, type JobOptions } from 'nestjs-background';
import { BackgroundMetricsModule } from 'nestjs-background/metrics';
import { Registry } from 'prom-client';
import type { NoopData, QueueSystem, SystemTarget, WorkerSettings } from './system.js';

/** Set by `startWorker`; the handler below forwards every job start to it. */
let onJob: (data: NoopData) => void = () => {};
/** Set by `startWorker`: how long each job lasts (0: it returns at once). */
let jobMs = 0;

/** The `noop` handler, with `options` on its `@Job`. */
function noopHandlers(options: JobOptions) {
  @Injectable()
  class NoopHandlers {
    @Job('noop', options)
    noop(data: NoopData, _ctx: JobContext): void | Promise<void> {
      onJob(data);
      if (jobMs > 0) return new Promise((resolve) => setTimeout(resolve, jobMs));
    }
  }
  return NoopHandlers;
}

async function createApp({ redisPort, namespace }: SystemTarget, workers: boolean, concurrency = 10, settings: WorkerSettings = {}) {
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
      // measured as a production app runs it: every job counted by the Prometheus metrics
      BackgroundMetricsModule.forRoot({ registry: new Registry() }),
    ],
    providers: [noopHandlers(on === 'queue' ? {} : { concurrency })],
  })
  class BenchModule {}

  // createApplicationContext runs app.init() itself; with `workers: true` that starts consuming.
  return NestFactory.createApplicationContext(BenchModule, { logger: ['error', 'warn'] });
}

export function createNestjsBackgroundSystem(target: SystemTarget): QueueSystem {
  return {
    async createProducer() {
      const app = await createApp(target, false);
      const jobs = app.get(JobsService);
      return {
        async enqueue(data) {
          await jobs.enqueue('noop', data);
        },
        async enqueueMany(items) {
          await jobs.enqueueMany(items.map((data) => ({ name: 'noop', data })));
        },
        async countWaiting() {
          return (await jobs.getStats()).queues.default?.waiting ?? 0;
        },
        close: () => app.close(),
      };
    },
    async startWorker(concurrency, handler, settings = {}) {
      onJob = handler;
      jobMs = settings.jobMs ?? 0;
      const app = await createApp(target, true, concurrency, settings);
      return { close: () => app.close() };
    },
    async createMonitor() {
      const app = await createApp(target, false);
      const jobs = app.get(JobsService);
      return {
        async counts() {
          const q = (await jobs.getStats()).queues.default;
          if (!q) return { unsettled: 0, completed: 0, failed: 0 };
          // `failed` here means failed and waiting for a retry; `dead` is a job that ended failed
          return { unsettled: q.waiting + q.delayed + q.active + q.failed, completed: q.completed, failed: q.dead };
        },
        close: () => app.close(),
      };
    },
  };
}
