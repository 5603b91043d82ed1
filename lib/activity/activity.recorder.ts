import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import type { Subscription } from 'rxjs';
import { BACKGROUND_CONFIG } from '../background.constants.js';
import { queueConcurrency, type BackgroundConfig } from '../background.config.js';
import { BackgroundOrchestrator } from '../background.orchestrator.js';
import type { ActivityCounts, ProcessRecord } from '../engine/ports/dashboard-store.interface.js';
import { STORAGE_ENGINE, type StorageEngine } from '../engine/storage-engine.interface.js';
import { JobEvents } from '../hooks/job-events.js';
import { JobHandlerRegistry } from '../registry/job-handler.registry.js';
import { within } from '../worker/within.js';
import { RepeatingTimer } from '../worker/repeating-timer.js';

/** Counts are written this often (one pipeline per queue with counts), not once per job. */
export const ACTIVITY_FLUSH_MS = 5_000;
/** How long app.close() waits for the last counts and this process's goodbye to be written. */
const SHUTDOWN_WRITE_MS = 200;
/** Each process publishes itself this often; a process not heard of for three times as long is gone. */
export const PRESENCE_MS = 15_000;

/**
 * What the dashboard's charts and workers page read, written by every process whether it serves
 * the dashboard or not: jobs its workers completed and attempts that failed, per queue and
 * minute, counted in memory from the events the workers emit anyway and added to storage every
 * ACTIVITY_FLUSH_MS; and this process's record (its workers, their concurrency and last turn).
 * A job costs a counter increment, never a round trip.
 */
@Injectable()
export class ActivityRecorder implements OnApplicationBootstrap, BeforeApplicationShutdown, OnModuleDestroy {
  private readonly logger = new Logger('Background');
  readonly processId = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  private readonly startedAt = Date.now();
  private counts: ActivityCounts = new Map();
  private readonly subscription: Subscription;
  private timer: RepeatingTimer | null = null;
  private lastPresence = 0;
  private publishedWorkers = -1;

  constructor(
    @Inject(BACKGROUND_CONFIG) private readonly config: BackgroundConfig,
    @Inject(STORAGE_ENGINE) private readonly engine: StorageEngine,
    private readonly orchestrator: BackgroundOrchestrator,
    private readonly registry: JobHandlerRegistry,
    events: JobEvents,
  ) {
    this.subscription = events.events$.subscribe((event) => {
      if (event.type === 'completed' || event.type === 'failed') this.count(event.queue, event.at, event.type);
    });
  }

  onApplicationBootstrap(): void {
    this.timer = new RepeatingTimer(ACTIVITY_FLUSH_MS, () => this.flush(), true).start();
    void this.flush();
  }

  private count(queue: string, at: number, type: 'completed' | 'failed'): void {
    const minute = at - (at % 60_000);
    let minutes = this.counts.get(queue);
    if (!minutes) this.counts.set(queue, (minutes = new Map()));
    let point = minutes.get(minute);
    if (!point) minutes.set(minute, (point = { completed: 0, failed: 0 }));
    point[type]++;
  }

  /** Writes what was counted, and this process's record when it is due. Never throws: a failed write is counted again next time. */
  async flush(): Promise<void> {
    const counts = this.counts;
    this.counts = new Map();
    try {
      if (counts.size > 0) await this.engine.dashboard.addActivity(counts);
    } catch (error) {
      this.merge(counts);
      this.logger.debug(`Could not write the job activity history: ${(error as Error).message}`);
    }
    const record = this.record();
    // at once when its workers started or stopped, else every PRESENCE_MS
    const changed = record.workers.length !== this.publishedWorkers;
    if (!changed && Date.now() - this.lastPresence < PRESENCE_MS) return;
    this.lastPresence = Date.now();
    this.publishedWorkers = record.workers.length;
    await this.engine.dashboard.publishProcess(this.processId, record, 3 * PRESENCE_MS).catch((error: Error) => {
      this.logger.debug(`Could not publish this process for the dashboard: ${error.message}`);
    });
  }

  private merge(counts: ActivityCounts): void {
    for (const [queue, minutes] of counts) {
      for (const [minute, point] of minutes) {
        for (let i = 0; i < point.completed; i++) this.count(queue, minute, 'completed');
        for (let i = 0; i < point.failed; i++) this.count(queue, minute, 'failed');
      }
    }
  }

  /** This process as the dashboard's workers page shows it. */
  record(): ProcessRecord {
    const workers = this.orchestrator.workerStatus().map((worker) => ({
      ...worker,
      concurrency: queueConcurrency(this.config, worker.queue, this.registry.concurrencies(worker.queue)),
    }));
    const handlers = [...this.registry.routes().keys()].sort();
    return { id: this.processId, host: hostname(), pid: process.pid, startedAt: this.startedAt, seenAt: Date.now(), workers, handlers };
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.timer?.stop();
    this.timer = null;
    const counts = this.counts;
    this.counts = new Map();
    const writes = Promise.allSettled([
      counts.size > 0 ? this.engine.dashboard.addActivity(counts) : undefined,
      this.engine.dashboard.publishProcess(this.processId, null, 0),
    ]);
    // the last counts and the goodbye are worth a round trip, not a shutdown held by a Redis that hangs
    await within(writes, SHUTDOWN_WRITE_MS);
  }

  onModuleDestroy(): void {
    this.subscription.unsubscribe();
  }
}
