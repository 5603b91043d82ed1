import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { Counter, Gauge, register, type Registry } from 'prom-client';
import type { Subscription } from 'rxjs';
import { JOB_STATES } from '../interfaces/job-info.interface.js';
import type { QueueSnapshot } from '../engine/storage-engine.interface.js';
import { JobEvents } from '../hooks/job-events.js';
import type { JobEvent } from '../hooks/job-event.interface.js';
import { BackgroundMonitor } from '../monitor/background.monitor.js';
import { SchedulerService } from '../schedule/scheduler.service.js';
import type { BackgroundMetricsOptions } from './metrics-options.interface.js';
import { TalliedHistogram, type HistogramTally } from './tallied-histogram.js';

export const METRICS_OPTIONS = Symbol('BACKGROUND_METRICS_OPTIONS');

const DEFAULT_BUCKETS = [0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300];
const BREAKER_STATES = ['closed', 'half-open', 'open'] as const;
const OUTCOMES = ['completed', 'failed', 'retried', 'dead', 'cancelled', 'skipped', 'timed_out'] as const;

interface Series {
  labels: { name: string; queue: string };
  outcomes: Record<(typeof OUTCOMES)[number], number>;
  run: HistogramTally<'name' | 'queue'>;
  wait: HistogramTally<'name' | 'queue'>;
}
/** Gauges read at one scrape share one read of storage (prom-client collects them all at once). */
const SNAPSHOT_REUSE_MS = 1000;

/**
 * The Prometheus metrics. Counters and histograms count in memory from what this process's
 * workers already know (no round trip per job), in plain numbers per job name and queue that a
 * scrape reads out (prom-client's per-call label checks would cost about a microsecond a job);
 * gauges read storage at scrape time, one round trip per queue for all of them.
 */
@Injectable()
export class BackgroundMetrics implements OnModuleInit, OnModuleDestroy {
  private readonly registry: Registry;
  private readonly jobs: Counter<'name' | 'queue' | 'outcome'>;
  private readonly runTime: TalliedHistogram<'name' | 'queue'>;
  private readonly waitTime: TalliedHistogram<'name' | 'queue'>;
  /** What this process's workers did, per job name and queue, counted in plain numbers and read out at scrape time. */
  private readonly series = new Map<string, Series>();
  private readonly gauges: Gauge<string>[];
  private subscription: Subscription | null = null;
  private snapshot: { at: number; queues: Promise<Map<string, QueueSnapshot> | null> } | null = null;

  constructor(
    @Inject(METRICS_OPTIONS) options: BackgroundMetricsOptions,
    private readonly events: JobEvents,
    private readonly monitor: BackgroundMonitor,
    scheduler: SchedulerService,
  ) {
    this.registry = options.registry ?? register;
    const registers = [this.registry];
    const buckets = options.buckets ?? DEFAULT_BUCKETS;
    const series = this.series;
    this.jobs = new Counter({
      name: 'background_jobs_total',
      help: 'Job attempts by outcome (completed, failed, retried, dead, cancelled, timed_out) in this process',
      labelNames: ['name', 'queue', 'outcome'],
      registers,
      collect() {
        this.reset();
        for (const { labels, outcomes } of series.values()) {
          for (const outcome of OUTCOMES) if (outcomes[outcome] > 0) this.inc({ ...labels, outcome }, outcomes[outcome]);
        }
      },
    });
    this.runTime = new TalliedHistogram({ name: 'background_job_run_seconds', help: 'How long handlers ran', labelNames: ['name', 'queue'], buckets, registers });
    this.waitTime = new TalliedHistogram({
      name: 'background_job_wait_seconds',
      help: 'How long jobs waited from enqueue to the start of their first attempt',
      labelNames: ['name', 'queue'],
      buckets,
      registers,
    });
    const probe = this.monitor;
    const read = () => this.queues();
    this.gauges = [
      new Gauge({
        name: 'background_queue_jobs',
        help: 'Jobs per queue and state, cluster-wide',
        labelNames: ['queue', 'state'],
        registers,
        async collect() {
          this.reset();
          for (const [queue, { counts }] of (await read()) ?? []) for (const state of JOB_STATES) this.set({ queue, state }, counts[state]);
        },
      }),
      new Gauge({
        name: 'background_queue_oldest_waiting_seconds',
        help: 'How long the oldest job ready to run has waited, per queue (0: none waits)',
        labelNames: ['queue'],
        registers,
        async collect() {
          this.reset();
          for (const [queue, { oldestWaitingMs }] of (await read()) ?? []) this.set({ queue }, (oldestWaitingMs ?? 0) / 1000);
        },
      }),
      new Gauge({
        name: 'background_dead_letter_jobs',
        help: 'Jobs in the dead-letter queue, per queue',
        labelNames: ['queue'],
        registers,
        async collect() {
          this.reset();
          for (const [queue, { counts }] of (await read()) ?? []) this.set({ queue }, counts.dead);
        },
      }),
      new Gauge({
        name: 'background_circuit_breaker_state',
        help: 'Circuit breakers declared in this process: 1 for the state each is in',
        labelNames: ['breaker', 'state'],
        registers,
        async collect() {
          this.reset();
          const breakers = await probe.breakers.list().catch(() => []);
          for (const { name, state: current } of breakers) {
            for (const state of BREAKER_STATES) this.set({ breaker: name, state }, state === current ? 1 : 0);
          }
        },
      }),
      new Gauge({
        name: 'background_schedule_lag_seconds',
        help: 'How far past its due time the next tick of each schedule is (0 while it is not yet due)',
        labelNames: ['schedule'],
        registers,
        async collect() {
          this.reset();
          const now = Date.now();
          for (const { name, paused, nextRunAt } of await scheduler.list().catch(() => [])) {
            if (!paused && nextRunAt) this.set({ schedule: name }, Math.max(0, now - nextRunAt.getTime()) / 1000);
          }
        },
      }),
      new Gauge({
        name: 'background_active_jobs',
        help: 'Jobs whose handlers run in this process now, per queue',
        labelNames: ['queue'],
        registers,
        collect() {
          this.reset();
          for (const { queue, active } of probe.workers()) this.set({ queue }, active);
        },
      }),
    ];
  }

  onModuleInit(): void {
    this.subscription = this.events.events$.subscribe((event) => this.count(event));
  }

  onModuleDestroy(): void {
    this.subscription?.unsubscribe();
    for (const metric of [this.jobs, this.runTime, this.waitTime, ...this.gauges]) {
      this.registry.removeSingleMetric((metric as unknown as { name: string }).name);
    }
  }

  private count(event: JobEvent): void {
    if (!('id' in event)) return;
    const key = `${event.name}\0${event.queue}`;
    let series = this.series.get(key);
    if (!series) {
      const labels = { name: event.name, queue: event.queue };
      const outcomes = Object.fromEntries(OUTCOMES.map((outcome) => [outcome, 0])) as Series['outcomes'];
      series = { labels, outcomes, run: this.runTime.tally(labels), wait: this.waitTime.tally(labels) };
      this.series.set(key, series);
    }
    switch (event.type) {
      case 'started':
        if (event.waitMs !== undefined) this.waitTime.record(series.wait, event.waitMs / 1000);
        return;
      case 'completed':
        series.outcomes.completed++;
        this.runTime.record(series.run, event.durationMs! / 1000);
        return;
      case 'failed':
        series.outcomes.failed++;
        if (event.timedOut) series.outcomes.timed_out++;
        this.runTime.record(series.run, event.durationMs! / 1000);
        return;
      case 'retrying':
        series.outcomes.retried++;
        return;
      case 'dead':
      case 'cancelled':
      case 'skipped':
        series.outcomes[event.type]++;
        return;
    }
  }

  /** Every queue's snapshot, read once for all the gauges of one scrape; null while storage cannot be reached. */
  private queues(): Promise<Map<string, QueueSnapshot> | null> {
    const now = Date.now();
    if (!this.snapshot || now - this.snapshot.at > SNAPSHOT_REUSE_MS) {
      this.snapshot = { at: now, queues: this.monitor.queues().catch(() => null) };
    }
    return this.snapshot.queues;
  }
}
