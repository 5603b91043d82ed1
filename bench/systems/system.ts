/** Payload of every benchmark job: a sequence number and, for latency runs, the enqueue time. */
export interface NoopData {
  i: number;
  /** Wall-clock enqueue time in ms (see clock.ts `nowMs`). */
  t?: number;
  /** Filler that makes the payload the size a matrix row asks for. */
  pad?: string;
}

/** How the jobs of a backlog are enqueued; absent fields: plain jobs, each library's defaults. */
export interface JobShape {
  /** Job `i` gets the (i mod 3)-th of three priorities, low to high, in each library's terms. */
  threePriorities?: boolean;
  /** Enqueued with this delay (the scenario waits until all are due before it starts the worker). */
  delayMs?: number;
  /** Jobs that fail are retried at once (3 attempts): BullMQ takes this per job, nestjs-background on `@Retry`. */
  retryAtOnce?: boolean;
}

export type SystemId = 'nestjs-background' | 'bullmq';
export const SYSTEM_IDS: readonly SystemId[] = ['nestjs-background', 'bullmq'];

export interface Producer {
  enqueue(data: NoopData): Promise<void>;
  enqueueMany(data: NoopData[], shape?: JobShape): Promise<void>;
  /** Jobs waiting to run, as the library reports it (used to check that enqueues really landed). */
  countWaiting(): Promise<number>;
  /** With BENCH_DASHBOARD=1 (nestjs-background only): events its open dashboard stream has received. */
  dashboardEvents?(): number;
  close(): Promise<void>;
}

export interface RunningWorker {
  /** As Producer.dashboardEvents. */
  dashboardEvents?(): number;
  close(): Promise<void>;
}

/** How a worker is set up; scenarios that do not say use each library's defaults and no-op jobs. */
export interface WorkerSettings {
  /** Each handler resolves this many ms after it started (0 or absent: returns at once). */
  jobMs?: number;
  /**
   * How long a dead worker's jobs stay claimed: nestjs-background `leaseMs`; BullMQ `lockDuration`
   * and `stalledInterval` (both set to this). Absent: each library's default (30 s for all three).
   */
  leaseMs?: number;
  /**
   * Where nestjs-background's concurrency is set: on the queue (`queues.default.concurrency`,
   * the default), on the handler (`@Job('noop', { concurrency })`, the queue left at its default),
   * or on both. BullMQ has one `concurrency` and ignores this.
   */
  concurrencyOn?: ConcurrencyOn;
  /**
   * Count every job in the library's own metrics: nestjs-background's `BackgroundMetricsModule`
   * (Prometheus), BullMQ's worker `metrics` option. Absent: on for nestjs-background (how
   * scenarios 1-9 have always run it), off for BullMQ (its default).
   */
  metrics?: boolean;
  /** Job `i` with i mod failEvery = 0 throws on its first attempt and is retried at once (3 attempts). */
  failEvery?: number;
  /** nestjs-background: a `@CircuitBreaker` (defaults) on the handler, closed throughout; BullMQ has none. */
  breaker?: boolean;
  /** At most this many jobs a second: nestjs-background `rateLimit` on `@Job`, BullMQ's worker `limiter`. */
  ratePerSecond?: number;
}

export type ConcurrencyOn = 'queue' | 'handler' | 'both';
/** `concurrencyOn` as a scenario's numeric parameter `concurrencyOn` (absent: the queue). */
export const CONCURRENCY_ON: readonly ConcurrencyOn[] = ['queue', 'handler', 'both'];

/** A queue's jobs by state, as the library itself reports them (its own counting call). */
export interface SettleCounts {
  /** Jobs not finished yet: waiting, delayed, claimed/active (reserved included), awaiting a retry. */
  unsettled: number;
  /** Completed jobs still retained (trimmed to the retention, so not a total). */
  completed: number;
  /** Jobs that ended failed (no benchmark handler throws, so 0). */
  failed: number;
}

/** Reads the library's job counts over a connection of its own, separate from any worker. */
export interface QueueMonitor {
  counts(): Promise<SettleCounts>;
  close(): Promise<void>;
}

/**
 * What the benchmark needs from a queue library. Each system uses
 * one Redis namespace per run (`namespace` below) so runs never share keys.
 */
export interface QueueSystem {
  createProducer(): Promise<Producer>;
  /** Resolves once the worker is connected and consuming; `onJob` runs at the start of every job. */
  startWorker(concurrency: number, onJob: (data: NoopData) => void, settings?: WorkerSettings): Promise<RunningWorker>;
  createMonitor(): Promise<QueueMonitor>;
}

export type BullmqJobOptions = 'matched' | 'bullmq-defaults';

export interface SystemTarget {
  redisPort: number;
  /** BullMQ queue name, or the nestjs-background key prefix. */
  namespace: string;
  /** Only read by the BullMQ system; see config.ts. */
  bullmqJobOptions: BullmqJobOptions;
  /**
   * BENCH_DASHBOARD=1, only read by the nestjs-background system: its producer and worker apps
   * import the dashboard, listen on a free port and keep one page's live stream open.
   */
  dashboard?: boolean;
}

/** Loads only the requested library, so a child process never has the other one in its heap. */
export async function loadSystem(id: SystemId, target: SystemTarget): Promise<QueueSystem> {
  if (id === 'bullmq') return (await import('./bullmq.js')).createBullmqSystem(target);
  return (await import('./nestjs-background.js')).createNestjsBackgroundSystem(target);
}
