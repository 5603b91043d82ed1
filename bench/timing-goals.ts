/**
 * Timing goals of a quiet machine, which the tests no longer assert (a machine shared with other
 * work cannot keep them, and a red test suite there says nothing about the code): how late an
 * @Interval tick starts, and how soon a cancel aborts a running handler's signal. Prints each
 * measure against its goal; the exit code is 1 if one is missed.
 *
 *   npm run bench:timing
 */
import 'reflect-metadata';
import { Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { BackgroundModule, Interval, Job, JobsService, type JobContext, type ScheduleTick } from 'nestjs-background';
import { sleep, within } from './clock.js';
import { startRedisServer } from './redis-server.js';
import { percentile } from './statistics.js';

const TICKS = 40;
const CANCELS = 20;
const lateness: number[] = [];
const aborted = new Map<string, (at: number) => void>();

@Injectable()
class TimedJobs {
  @Interval('tick', 100)
  tick(tick: ScheduleTick) {
    if (lateness.length < TICKS) lateness.push(Date.now() - tick.due);
  }

  @Job('long')
  async long(_data: unknown, ctx: JobContext) {
    await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve));
    aborted.get(ctx.id)?.(performance.now());
  }
}

async function main(): Promise<void> {
  const redis = await startRedisServer();
  // leases of 2 min are renewed every 40 s: a cancel that waited for the renewal would show
  @Module({
    imports: [BackgroundModule.forRoot({ connection: `redis://127.0.0.1:${redis.port}`, prefix: 'timing', leaseMs: 120_000 })],
    providers: [TimedJobs],
  })
  class TimingModule {}
  const app = await NestFactory.createApplicationContext(TimingModule, { logger: ['error', 'warn'] });
  const failed: string[] = [];
  const report = (what: string, value: number, goal: number) => {
    console.log(`${what}: ${value.toFixed(1)} ms (goal: below ${goal} ms)`);
    if (value >= goal) failed.push(what);
  };
  try {
    const jobs = app.get(JobsService);
    await within(
      (async () => {
        while (lateness.length < TICKS) await sleep(50);
      })(),
      30_000,
      () => `only ${lateness.length} of ${TICKS} ticks within 30 s`,
    );
    report('@Interval(100) tick lateness p50', percentile(lateness, 50), 50);
    report('@Interval(100) tick lateness max', percentile(lateness, 100), 250);

    const latencies: number[] = [];
    for (let n = 0; n < CANCELS; n++) {
      const { id } = await jobs.enqueue('long', {});
      while ((await jobs.getJob(id))?.state !== 'active') await sleep(5);
      const abort = new Promise<number>((resolve) => aborted.set(id, resolve));
      const cancelledAt = performance.now();
      await jobs.cancel(id);
      latencies.push((await within(abort, 30_000, () => `job ${id} was not aborted within 30 s`)) - cancelledAt);
    }
    report('cancel to abort of a running handler, max', percentile(latencies, 100), 100);
  } finally {
    await app.close();
    await redis.stop();
  }
  if (failed.length > 0) process.exitCode = 1;
}

await main();
