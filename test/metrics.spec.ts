import { Injectable } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type { INestApplication } from '@nestjs/common';
import { Registry } from 'prom-client';
import {
  Interval,
  BackgroundModule,
  Job,
  JobEvents,
  JobsService,
  OnJobEvent,
  Retry,
  UnrecoverableError,
  type JobContext,
  type JobEvent,
} from '../lib/index.js';
import { BackgroundMetricsModule } from '../lib/metrics/index.js';
import { TalliedHistogram } from '../lib/metrics/tallied-histogram.js';
import { RedisServer } from './support/redis-server.js';
import { deferred, eventually } from './support/test-app.js';

const started = { slow: deferred() };

@Injectable()
class WorkloadJobs {
  /** Not due during the test: its lag reads 0. */
  @Interval('hourly.rollup', 3_600_000)
  rollup() {}

  @Job('ok')
  ok(data: { n: number }) {
    return data.n * 2;
  }

  @Job('flaky', { attempts: 2 })
  @Retry({ backoff: { type: 'fixed', delayMs: 10, jitter: false } })
  flaky() {
    throw new Error('always');
  }

  @Job('late', { attempts: 1, timeoutMs: 50 })
  late(_data: unknown, ctx: JobContext) {
    return new Promise((resolve) => ctx.signal.addEventListener('abort', resolve));
  }

  @Job('slow')
  slow(_data: unknown, ctx: JobContext) {
    started.slow.resolve();
    return new Promise((resolve) => ctx.signal.addEventListener('abort', resolve));
  }

  @Job('broken')
  broken() {
    throw new UnrecoverableError('broken for good');
  }
}

@Injectable()
class Alerts {
  static seen: JobEvent[] = [];

  @OnJobEvent('dead', 'cancelled')
  onBad(event: JobEvent) {
    Alerts.seen.push(event);
  }

  @OnJobEvent('completed')
  onCompleted() {
    throw new Error('a hook that throws changes nothing');
  }
}

describe('metrics, per-name stats and job events after a known workload', () => {
  let server: RedisServer;
  let app: INestApplication;
  const registry = new Registry();

  beforeAll(async () => {
    server = await RedisServer.start();
    const moduleRef = await Test.createTestingModule({
      imports: [BackgroundModule.forRoot({ connection: server.url, prefix: 'metrics' }), BackgroundMetricsModule.forRoot({ registry })],
      providers: [WorkloadJobs, Alerts],
    }).compile();
    moduleRef.useLogger(false);
    app = moduleRef.createNestApplication({ logger: false });
    await app.init();
  });

  afterAll(async () => {
    await app?.close();
    await server.stop();
  });

  it('counts every outcome exactly, and the gauges read storage at scrape time', async () => {
    const jobs = app.get(JobsService);
    const events: JobEvent[] = [];
    const subscription = app.get(JobEvents).events$.subscribe((event) => events.push(event));
    const oks = await Promise.all([1, 2, 3].map((n) => jobs.enqueue('ok', { n })));
    const flaky = await jobs.enqueue('flaky', {});
    const late = await jobs.enqueue('late', {});
    const broken = await jobs.enqueue('broken', {});
    const slow = await jobs.enqueue('slow', {});
    for (const { id } of oks) await jobs.waitFor(id);
    for (const { id } of [flaky, late, broken]) await expect(jobs.waitFor(id)).rejects.toThrow();
    await started.slow.promise;
    await expect(jobs.cancel(slow.id)).resolves.toBe(true);
    await eventually('the cancel to reach the handler', () => Alerts.seen.some((event) => event.type === 'cancelled'));
    subscription.unsubscribe();

    const counted = (await registry.getSingleMetric('background_jobs_total')!.get()).values;
    const total = Object.fromEntries(counted.map(({ labels, value }) => [`${labels.name} ${labels.outcome}`, value]));
    expect(total).toEqual({
      'ok completed': 3,
      'flaky failed': 2,
      'flaky retried': 1,
      'flaky dead': 1,
      'late failed': 1,
      'late timed_out': 1,
      'late dead': 1,
      'broken failed': 1,
      'broken dead': 1,
      'slow cancelled': 1,
    });
    const text = await registry.metrics();
    expect(text).toContain('background_job_run_seconds_count{name="ok",queue="default"} 3');
    expect(text).toContain('background_job_run_seconds_bucket{name="ok",queue="default",le="+Inf"} 3');
    expect(text).toContain('background_job_run_seconds_bucket{name="late",queue="default",le="0.01"} 0');
    expect(text).toContain('background_job_run_seconds_count{name="flaky",queue="default"} 2');
    // only a first attempt tells how long the queue made a job wait
    expect(text).toContain('background_job_wait_seconds_count{name="flaky",queue="default"} 1');
    expect(text).toContain('background_queue_jobs{queue="default",state="completed"} 3');
    expect(text).toContain('background_queue_jobs{queue="default",state="dead"} 3');
    expect(text).toContain('background_queue_jobs{queue="default",state="cancelled"} 1');
    expect(text).toContain('background_queue_jobs{queue="default",state="waiting"} 0');
    expect(text).toContain('background_dead_letter_jobs{queue="default"} 3');
    expect(text).toContain('background_queue_oldest_waiting_seconds{queue="default"} 0');
    expect(text).toContain('background_active_jobs{queue="default"} 0');
    expect(text).toContain('background_schedule_lag_seconds{schedule="hourly.rollup"} 0');

    // the same figures as plain data, for those without Prometheus
    const { names } = await jobs.getStats();
    expect(names.ok).toMatchObject({ queue: 'default', started: 3, completed: 3, failed: 0 });
    expect(names.flaky).toMatchObject({ started: 2, failed: 2, retried: 1, dead: 1 });
    expect(names.late).toMatchObject({ failed: 1, timedOut: 1, dead: 1 });
    expect(names.slow).toMatchObject({ started: 1, cancelled: 1 });

    // the hooks: a dead job and a cancel, each with what happened
    expect(Alerts.seen.map((event) => event.type).sort()).toEqual(['cancelled', 'dead', 'dead', 'dead']);
    const brokenDead = Alerts.seen.find((event) => 'id' in event && event.id === broken.id);
    expect(brokenDead).toMatchObject({ type: 'dead', name: 'broken', queue: 'default', attempt: 1, deadReason: 'unrecoverable' });
    expect(brokenDead && 'error' in brokenDead && brokenDead.error?.message).toBe('broken for good');
    const retrying = events.find((event) => event.type === 'retrying');
    expect(retrying).toMatchObject({ id: flaky.id, attempt: 1, maxAttempts: 2, retryInMs: 10 });
    expect(events.find((event) => event.type === 'completed' && event.id === oks[0]!.id)).toMatchObject({ result: 2, durationMs: expect.any(Number) });
  });
});

describe('the run and wait histograms, tallied in plain numbers', () => {
  it('export Prometheus buckets (a value on a bound counts in it), sum and count, and reset to zero', async () => {
    const registry = new Registry();
    const histogram = new TalliedHistogram({ name: 'x_seconds', help: 'x', labelNames: ['name', 'queue'], buckets: [1, 0.1, 10], registers: [registry] });
    const tally = histogram.tally({ name: 'a', queue: 'q' });
    for (const value of [0.05, 0.1, 0.5, 2, 20]) histogram.record(tally, value);
    expect(await registry.metrics()).toBe(
      [
        '# HELP x_seconds x',
        '# TYPE x_seconds histogram',
        'x_seconds_bucket{name="a",queue="q",le="0.1"} 2',
        'x_seconds_bucket{name="a",queue="q",le="1"} 3',
        'x_seconds_bucket{name="a",queue="q",le="10"} 4',
        'x_seconds_bucket{name="a",queue="q",le="+Inf"} 5',
        'x_seconds_sum{name="a",queue="q"} 22.65',
        'x_seconds_count{name="a",queue="q"} 5',
        '',
      ].join('\n'),
    );
    registry.resetMetrics();
    histogram.record(tally, 3);
    expect(await registry.metrics()).toContain('x_seconds_bucket{name="a",queue="q",le="1"} 0\nx_seconds_bucket{name="a",queue="q",le="10"} 1');
  });
});
