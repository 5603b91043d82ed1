import { Inject, Injectable } from '@nestjs/common';
import type { ActivityPoint, IdPage, ProcessRecord } from '../../engine/ports/dashboard-store.interface.js';
import { STORAGE_ENGINE, type StorageEngine } from '../../engine/storage-engine.interface.js';
import type { QueueCounts } from '../../interfaces/job-info.interface.js';
import { StorageGateway } from '../../storage.gateway.js';
import { DASHBOARD_CONFIG, MAX_PAGE } from '../dashboard.constants.js';
import type { DashboardConfig } from '../dashboard.config.js';

/**
 * One queue on the overview.
 * @publicApi
 */
export interface DashboardQueueOverview {
  name: string;
  counts: QueueCounts;
  /** Waiting jobs per priority (parked and reserved ones aside). */
  byPriority: Record<string, number>;
  oldestWaitingMs: number | null;
  paused: boolean;
  /** Workers on this queue in the cluster's live processes. */
  workers: number;
  /** Names of the jobs first in line that no live worker has a handler for (only looked for while jobs wait). */
  missingHandlers: string[];
}

/** Jobs first in line whose names the overview checks for a handler. */
const HEAD_CHECKED = 20;
const MINUTE_MS = 60_000;
export const HISTORY_RANGES = { '1h': 60 * MINUTE_MS, '24h': 24 * 60 * MINUTE_MS, '72h': 72 * 60 * MINUTE_MS } as const;

/** The cluster as the dashboard shows it: queues, their history, processes and their workers, event subscribers. */
@Injectable()
export class DashboardClusterReader {
  constructor(
    @Inject(DASHBOARD_CONFIG) private readonly config: DashboardConfig,
    @Inject(STORAGE_ENGINE) private readonly engine: StorageEngine,
    private readonly storage: StorageGateway,
  ) {}

  /** Per queue: counts (counts script), priorities, paused flag, and the names at the head of its line (one read each). */
  async overview(): Promise<{ queues: DashboardQueueOverview[]; generatedAt: number }> {
    const [queues, processes] = await Promise.all([this.storage.queues(), this.storage.call(this.engine.dashboard.processes())]);
    const overview = await Promise.all(queues.sort().map((queue) => this.queue(queue, processes)));
    return { queues: overview, generatedAt: Date.now() };
  }

  private async queue(name: string, processes: ProcessRecord[]): Promise<DashboardQueueOverview> {
    const store = this.engine.dashboard;
    const [snapshot, byPriority, paused] = await this.storage.call(
      Promise.all([this.engine.snapshot(name), store.priorities(name), store.paused(name)]),
    );
    const serving = processes.filter((process) => process.workers.some((worker) => worker.queue === name));
    const handled = new Set(serving.flatMap((process) => process.handlers));
    let missingHandlers: string[] = [];
    if (snapshot.counts.waiting > 0) {
      const head = await this.storage.call(store.page(name, 'waiting', null, HEAD_CHECKED));
      const jobs = await this.storage.call(store.read(name, head.ids));
      missingHandlers = [...new Set(jobs.map((job) => job.name).filter((job) => !handled.has(job)))].sort();
    }
    const workers = serving.reduce((sum, process) => sum + process.workers.filter((worker) => worker.queue === name).length, 0);
    return { name, counts: snapshot.counts, byPriority, oldestWaitingMs: snapshot.oldestWaitingMs, paused, workers, missingHandlers };
  }

  /** Every minute of the range, oldest first, zeros where nothing settled. */
  async history(queue: string, range: keyof typeof HISTORY_RANGES): Promise<{ queue: string; stepMs: number; points: ActivityPoint[] }> {
    // one reading of the clock: two could straddle a minute and give a range of no whole minute
    const now = Date.now();
    const to = now - (now % MINUTE_MS);
    const from = to - HISTORY_RANGES[range] + MINUTE_MS;
    const stored = await this.storage.call(this.engine.dashboard.activity(queue, from, to));
    const byMinute = new Map(stored.map((point) => [point.t, point]));
    const points: ActivityPoint[] = [];
    for (let t = from; t <= to; t += MINUTE_MS) points.push(byMinute.get(t) ?? { t, completed: 0, failed: 0 });
    return { queue, stepMs: MINUTE_MS, points };
  }

  /** The cluster's live processes, each worker with the ids it runs now. */
  async workers() {
    const processes = await this.storage.call(this.engine.dashboard.processes());
    return {
      processes: await Promise.all(
        processes.map(async (process) => ({
          id: process.id,
          host: process.host,
          pid: process.pid,
          startedAt: process.startedAt,
          lastHeartbeat: process.seenAt,
          handlers: process.handlers,
          workers: await Promise.all(
            process.workers.map(async (worker) => {
              const running = await this.storage.call(this.engine.dashboard.running(worker.queue, [worker.id]));
              return { ...worker, running: running[worker.id] ?? [] };
            }),
          ),
        })),
      ),
    };
  }

  /**
   * Every `@OnEvent` subscriber, with its backlog: its jobs among the first `searchLimit` waiting
   * in its queue (`backlogCapped` when the queue has more).
   */
  async events() {
    const subscriptions = await this.storage.call(this.engine.subscriptions.list());
    const byQueue = new Map<string, { names: Map<string, number>; capped: boolean }>();
    for (const queue of new Set(subscriptions.map((subscription) => subscription.queue))) byQueue.set(queue, await this.waitingNames(queue));
    return {
      subscriptions: subscriptions.map((subscription) => {
        const waiting = byQueue.get(subscription.queue)!;
        return { ...subscription, backlog: waiting.names.get(subscription.name) ?? 0, backlogCapped: waiting.capped };
      }),
    };
  }

  private async waitingNames(queue: string): Promise<{ names: Map<string, number>; capped: boolean }> {
    const names = new Map<string, number>();
    let cursor: string | null = null;
    let read = 0;
    do {
      const page: IdPage = await this.storage.call(this.engine.dashboard.page(queue, 'waiting', cursor, Math.min(MAX_PAGE, this.config.searchLimit - read)));
      const jobs = await this.storage.call(this.engine.dashboard.read(queue, page.ids));
      for (const job of jobs) names.set(job.name, (names.get(job.name) ?? 0) + 1);
      read += page.ids.length;
      cursor = page.next;
    } while (cursor !== null && read < this.config.searchLimit);
    return { names, capped: cursor !== null };
  }
}
