import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { BACKGROUND_CONFIG, ROUTE_REFRESH_MS } from './background.constants.js';
import { queueConcurrency, type BackgroundConfig } from './background.config.js';
import { STORAGE_ENGINE, type ClaimedJob, type StorageEngine } from './engine/storage-engine.interface.js';
import { EventSubscriptionRegistry } from './events/event-subscription.registry.js';
import { JobEvents } from './hooks/job-events.js';
import { JobHandlerRegistry } from './registry/job-handler.registry.js';
import { JobTracer } from './tracing/job.tracer.js';
import { QueueWorker } from './worker/queue.worker.js';
import { RepeatingTimer } from './worker/repeating-timer.js';
import { within } from './worker/within.js';

/** One worker of this process as health checks see it. */
export interface WorkerStatus {
  /** The worker's id in storage (`host:pid:random`). */
  id: string;
  queue: string;
  /** Jobs whose handlers run now. */
  active: number;
  /** When its claim loop last heard from storage, or failed to (epoch ms). */
  lastTurnAt: number;
}

/** Owns the workers: starts one per queue with handlers at bootstrap, drains them at shutdown. */
@Injectable()
export class BackgroundOrchestrator implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly logger = new Logger('Background');
  private readonly workers: QueueWorker[] = [];
  private readonly detached = new Set<Promise<unknown>>();
  private routeTimer: RepeatingTimer | null = null;

  constructor(
    @Inject(BACKGROUND_CONFIG) private readonly config: BackgroundConfig,
    @Inject(STORAGE_ENGINE) private readonly engine: StorageEngine,
    private readonly registry: JobHandlerRegistry,
    private readonly subscriptions: EventSubscriptionRegistry,
    private readonly events: JobEvents,
    private readonly tracer: JobTracer,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    try {
      await this.engine.connect();
      await this.publish();
    } catch (error) {
      // a failed bootstrap gets no shutdown hooks: stop reconnecting before reporting it
      await this.engine.close();
      throw error;
    }
    // routes and subscriptions of processes that stopped publishing them expire (ROUTE_TTL_MS, SUBSCRIPTION_TTL_MS)
    const publish = () =>
      this.publish().catch((error: Error) => {
        this.logger.debug(`Could not publish the job routes and event subscriptions: ${error.message}`);
      });
    this.routeTimer = new RepeatingTimer(ROUTE_REFRESH_MS, publish, true).start();
    if (!this.config.workers) return;
    const listening: Promise<void>[] = [];
    for (const queue of this.registry.queues()) {
      const concurrency = queueConcurrency(this.config, queue, this.registry.concurrencies(queue));
      const hooks = { events: this.events, tracer: this.tracer };
      const worker = new QueueWorker(queue, concurrency, this.engine, this.registry, this.config, hooks);
      this.workers.push(worker);
      listening.push(worker.start());
    }
    // no job starts before a cancel of it reaches its handler at once; the application is up after that
    await Promise.all(listening);
    if (this.workers.length > 0) {
      this.logger.log(`Working on queue${this.workers.length > 1 ? 's' : ''} ${this.workers.map((w) => `"${w.queue}"`).join(', ')}`);
    }
  }

  /** This process's job routes and event subscriptions, for the cluster's producers. */
  private async publish(): Promise<void> {
    await Promise.all([this.engine.registerHandlers(this.registry.routes()), this.engine.subscriptions.publish(this.subscriptions.list())]);
  }

  /** The workers of this process; empty before bootstrap, after shutdown began, and with `workers: false`. */
  workerStatus(): WorkerStatus[] {
    return this.workers.map((worker) => ({ id: worker.id, queue: worker.queue, active: worker.active, lastTurnAt: worker.lastTurnAt }));
  }

  /** Starts a job of `queue` at once in this process's worker of it, if it has one with room (see `QueueWorker.runNow`). */
  runNow(queue: string, name: string, claim: (workerId: string) => ClaimedJob | null): boolean {
    return this.workers.find((worker) => worker.queue === queue)?.runNow(name, claim) ?? false;
  }

  /** Tracks work started by `fireAndForget` so that shutdown waits for it too. */
  track(task: Promise<unknown>): void {
    this.detached.add(task);
    void task.finally(() => this.detached.delete(task));
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.routeTimer?.stop();
    this.routeTimer = null;
    this.engine.interruptWaits();
    const timeout = this.config.shutdownTimeoutMs;
    const workers = this.workers.splice(0);
    const active = workers.reduce((sum, worker) => sum + worker.active, 0);
    const startedAt = Date.now();
    if (active > 0) this.logger.log(`Shutting down: waiting up to ${timeout} ms for ${active} running job${active === 1 ? '' : 's'}`);
    await Promise.all(workers.map((worker) => worker.stop(timeout)));
    if (workers.length > 0) this.logger.log(`Workers stopped in ${Date.now() - startedAt} ms`);
    await within(Promise.allSettled(this.detached), timeout);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.engine.close();
  }
}
