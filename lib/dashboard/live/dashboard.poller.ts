import { Inject, Injectable, Logger, type MessageEvent, type OnModuleDestroy } from '@nestjs/common';
import { Observable, type Subscriber } from 'rxjs';
import { STORAGE_ENGINE, type StorageEngine } from '../../engine/storage-engine.interface.js';
import { StorageGateway } from '../../storage.gateway.js';
import { DASHBOARD_CONFIG } from '../dashboard.constants.js';
import type { DashboardConfig } from '../dashboard.config.js';
import { DashboardClusterReader } from '../data/dashboard-cluster.reader.js';
import { toSummary } from '../data/dashboard-job.view.js';

/** A client that hears nothing else hears this, so that proxies keep the stream open and it sees a dead one. */
export const HEARTBEAT_MS = 15_000;
/** Jobs of each state a `jobs` event carries (the head of the list). */
const LIVE_JOBS = 20;

interface Client {
  queue?: string;
  subscriber: Subscriber<MessageEvent>;
  /** Ends the client's connection (at shutdown). */
  disconnect?: () => void;
}

/**
 * One poller per process for every open dashboard tab: while at least one stream is open it reads
 * the overview (and the head of each queue a client watches) every `pollMs`, and sends each
 * client what changed; with no client it reads nothing. A tab costs a connection, not a poll.
 */
@Injectable()
export class DashboardPoller implements OnModuleDestroy {
  private readonly logger = new Logger('BackgroundDashboard');
  private readonly clients = new Set<Client>();
  private timer: NodeJS.Timeout | null = null;
  /** Bumped by each stop, so that a poll under way when the last client left does not start the loop again. */
  private generation = 0;
  /** Set at shutdown: a tab that reconnects then gets a stream that ends at once, not a new poll loop. */
  private closing = false;
  private lastOverview: string | null = null;
  private readonly lastJobs = new Map<string, string>();
  /** Polls started so far (for tests: one poller, however many clients). */
  polls = 0;

  constructor(
    @Inject(DASHBOARD_CONFIG) private readonly config: DashboardConfig,
    @Inject(STORAGE_ENGINE) private readonly engine: StorageEngine,
    private readonly storage: StorageGateway,
    private readonly cluster: DashboardClusterReader,
  ) {}

  /** The events of one tab: `overview` (now and on each change), `jobs` for `queue` when given, `heartbeat`. */
  stream(queue?: string, disconnect?: () => void): Observable<MessageEvent> {
    return new Observable<MessageEvent>((subscriber) => {
      if (this.closing) {
        subscriber.complete();
        disconnect?.();
        return;
      }
      const client: Client = { queue, subscriber, disconnect };
      this.clients.add(client);
      if (this.lastOverview !== null) subscriber.next({ type: 'overview', data: this.lastOverview });
      const last = queue === undefined ? undefined : this.lastJobs.get(queue);
      if (last !== undefined) subscriber.next({ type: 'jobs', data: last });
      const heartbeat = setInterval(() => subscriber.next({ type: 'heartbeat', data: JSON.stringify({ at: Date.now() }) }), HEARTBEAT_MS);
      if (this.timer === null) this.schedule(0);
      return () => {
        clearInterval(heartbeat);
        this.clients.delete(client);
        if (this.clients.size === 0) this.stop();
      };
    });
  }

  private schedule(delayMs: number): void {
    this.timer = setTimeout(() => void this.poll(), delayMs);
  }

  private stop(): void {
    this.generation++;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.lastOverview = null;
    this.lastJobs.clear();
  }

  private async poll(): Promise<void> {
    const generation = this.generation;
    this.polls++;
    try {
      const overview = JSON.stringify(await this.cluster.overview());
      if (this.clients.size === 0) return;
      // generatedAt changes every time: compare without it
      if (withoutTime(overview) !== (this.lastOverview && withoutTime(this.lastOverview))) {
        this.lastOverview = overview;
        this.send((client) => client.subscriber.next({ type: 'overview', data: overview }));
      }
      // only queues that exist, and that an open stream watches, are read and remembered: a
      // made-up ?queue= per tab would otherwise be read every pollMs and kept until the last tab closes
      const known = new Set(await this.storage.queues());
      const watched = new Set([...this.clients].map((client) => client.queue).filter((queue) => queue !== undefined && known.has(queue)));
      for (const queue of this.lastJobs.keys()) if (!watched.has(queue)) this.lastJobs.delete(queue);
      for (const queue of watched) {
        if (queue === undefined) continue;
        const jobs = await this.jobs(queue);
        if (this.lastJobs.get(queue) === jobs) continue;
        this.lastJobs.set(queue, jobs);
        this.send((client) => client.queue === queue && client.subscriber.next({ type: 'jobs', data: jobs }));
      }
    } catch (error) {
      const message = (error as Error).message;
      this.logger.debug(`The dashboard's live poll failed: ${message}`);
      this.send((client) => client.subscriber.next({ type: 'problem', data: JSON.stringify({ message }) }));
    } finally {
      if (!this.closing && this.clients.size > 0 && generation === this.generation) this.schedule(this.config.pollMs);
    }
  }

  /** The head of the queue's waiting and active jobs, as JSON. */
  private async jobs(queue: string): Promise<string> {
    const store = this.engine.dashboard;
    const [waiting, active] = await this.storage.call(
      Promise.all([store.page(queue, 'waiting', null, LIVE_JOBS), store.page(queue, 'active', null, LIVE_JOBS)]),
    );
    const [waitingJobs, activeJobs] = await this.storage.call(Promise.all([store.read(queue, waiting.ids), store.read(queue, active.ids)]));
    const summary = (job: Parameters<typeof toSummary>[0]) => toSummary(job, this.config);
    return JSON.stringify({ queue, waiting: waitingJobs.map(summary), active: activeJobs.map(summary) });
  }

  private send(deliver: (client: Client) => unknown): void {
    for (const client of this.clients) deliver(client);
  }

  /**
   * Ends every stream and its connection: a connection whose response ends while the server
   * closes would otherwise hold the shutdown until its keep-alive timeout.
   */
  onModuleDestroy(): void {
    this.closing = true;
    this.stop();
    for (const client of [...this.clients]) {
      client.subscriber.complete();
      client.disconnect?.();
    }
    this.clients.clear();
  }
}

function withoutTime(overview: string): string {
  return overview.replace(/"generatedAt":\d+/, '');
}
