import type { BackgroundConfig } from '../../background.config.js';
import { ROUTE_TTL_MS } from '../../background.constants.js';
import type { QueueCounts } from '../../interfaces/job-info.interface.js';
import type {
  CancelOutcome,
  CancelWatch,
  ClaimRequest,
  ClaimResponse,
  GoneJob,
  HeartbeatResponse,
  NewJob,
  QueueSnapshot,
  StorageEngine,
} from '../storage-engine.interface.js';
import type { StoredJob } from '../stored-job.interface.js';
import { claimArgs, parseClaimReply, workerKeys, type ClaimReply } from './claim.codec.js';
import { QueueRecovery } from './queue-recovery.js';
import { NamedKeys } from './named-keys.js';
import { pairs, toStoredJob } from './redis-job.mapper.js';
import { ConnectionWatch } from './connection.watch.js';
import { assertRealTimers } from './fake-timers.check.js';
import type { RedisClient } from './redis.client.js';
import { RedisConnection } from './redis.connection.js';
import { EnqueueBatcher } from './enqueue.batch.js';
import { RedisBreakerStore } from './redis-breaker.store.js';
import { RedisScheduleStore } from './redis-schedule.store.js';
import { RedisDeadLetterStore } from './redis-dead-letter.store.js';
import { RedisDashboardStore } from './redis-dashboard.store.js';
import { RedisSubscriptionStore } from './redis-subscription.store.js';
import { defineKeyedScripts, defineScripts, scriptConfigArgs, type ScriptRunner } from './redis-scripts.js';
import { CancelWatcher } from './cancel.watcher.js';
import { RedisSubscriber } from './redis.subscriber.js';
import { SettlementWatcher } from './settlement.watcher.js';
import { RedisFlowStore } from './redis-flow.store.js';

/**
 * Jobs in Redis. Every change of a job's state is one Lua script (see `lua/`), given every key it
 * touches in KEYS; every key of a queue sits under the hash tag `{prefix:queue}`, so each script
 * touches one cluster slot.
 */
export class RedisEngine implements StorageEngine {
  private readonly connection: RedisConnection;
  private readonly client: RedisClient;
  private readonly run: ScriptRunner;
  private readonly watcher: SettlementWatcher;
  private readonly cancels: CancelWatcher;
  private readonly blocking = new Map<string, RedisClient>();
  private readonly batcher = new EnqueueBatcher((queue, jobs) => this.sendEnqueue(queue, jobs));
  private readonly configArgs: (string | number)[];
  private readonly recovery: QueueRecovery;
  private readonly namedKeys: NamedKeys;
  /**
   * Per queue, the other worker whose lease ends first, as the last claim found: the next claim
   * is given its keys, and hands its jobs back first should its lease have expired by then.
   */
  private readonly suspects = new Map<string, string[]>();
  /** Queues known to be in the cluster's list of queues, so `getJob` and `cancel` find their jobs. */
  private readonly listedQueues = new Set<string>();
  /** Ends the lease of workers whose process died without waiting it out. */
  private readonly watch: ConnectionWatch;
  readonly deadLetters: RedisDeadLetterStore;
  readonly breakers: RedisBreakerStore;
  readonly subscriptions: RedisSubscriptionStore;
  readonly schedules: RedisScheduleStore;
  readonly dashboard: RedisDashboardStore;
  readonly flows: RedisFlowStore;
  private closed = false;

  constructor(private readonly config: BackgroundConfig) {
    assertRealTimers();
    this.connection = new RedisConnection(config.connection);
    this.client = this.connection.create('commands');
    this.run = defineScripts(this.client);
    // one subscriber connection per process, for waitFor and the workers alike
    const subscriber = new RedisSubscriber(this.connection, this.client);
    this.cancels = new CancelWatcher(subscriber, config.enqueueTimeoutMs);
    this.watcher = new SettlementWatcher(subscriber, {
      base: (queue) => this.base(queue),
      watch: async (queue, id, timeoutMs) => {
        const [hash, logs] = (await this.run('watch', this.base(queue), [id, timeoutMs])) as [string[], string[]];
        return hash.length === 0 ? null : toStoredJob(queue, id, pairs(hash), logs);
      },
      read: (queue, id) => this.readJob(queue, id),
      parse: (queue, message) => {
        const [id, hash, logs] = JSON.parse(message) as [string, string[], string[] | object];
        // Lua's JSON encoder writes an empty list as {}
        return toStoredJob(queue, id, pairs(hash), Array.isArray(logs) ? logs : []);
      },
    });
    this.configArgs = scriptConfigArgs(config);
    this.recovery = new QueueRecovery(this.run, this.configArgs, config.leaseMs);
    this.namedKeys = new NamedKeys(this.run, this.configArgs);
    this.watch = new ConnectionWatch(this.client, this.run, this.recovery);
    this.flows = new RedisFlowStore(this.client, this.run, config.prefix, this.configArgs, {
      resend: (send) => this.connection.resendIdempotent(this.client, config.enqueueTimeoutMs, send),
      cancel: (queue, id) => this.cancel(queue, id),
      ready: async (queues) => {
        for (const queue of queues) if (!this.listedQueues.has(queue)) await this.connect().then(() => this.listQueue(queue));
      },
    });
    const keyed = defineKeyedScripts(this.client);
    this.breakers = new RedisBreakerStore(this.client, keyed, (queue) => this.base(queue), config.leaseMs);
    this.subscriptions = new RedisSubscriptionStore(this.client, `${config.prefix}:subscriptions`, () => this.connect());
    this.schedules = new RedisScheduleStore(this.client, keyed, subscriber, config.prefix, config.enqueueTimeoutMs);
    const base = (queue: string) => this.base(queue);
    const readJobs = (queue: string, ids: string[]) => this.readJobs(queue, ids);
    this.deadLetters = new RedisDeadLetterStore(this.client, this.run, base, readJobs);
    this.dashboard = new RedisDashboardStore(this.client, this.run, config.prefix, base, readJobs);
  }

  connect(timeoutMs = this.config.enqueueTimeoutMs): Promise<void> {
    // checked here too: fake timers switched on after the module was compiled, before app.init()
    assertRealTimers();
    return this.connection.ready(this.client, timeoutMs);
  }

  /** Enqueues of the same tick are written together, one script call per queue (see EnqueueBatcher). */
  async enqueue(jobs: NewJob[]): Promise<{ id: string; created: boolean }[]> {
    if (this.client.status !== 'ready') await this.connect();
    for (const job of jobs) if (!this.listedQueues.has(job.queue)) await this.listQueue(job.queue);
    const created = await this.batcher.add(jobs);
    return jobs.map((job, index) => ({ id: job.id, created: created[index]! }));
  }

  /**
   * Writes one enqueue batch. A connection that fails under it (not sent, or the reply lost) is
   * waited for and the batch sent again within `enqueueTimeoutMs`: harmless, since an id that
   * exists is left as it is. After that the callers get `RedisUnavailableError`, and ioredis
   * never sends the batch on its own later.
   */
  private sendEnqueue(queue: string, jobs: Buffer): Promise<number[]> {
    return this.connection.resendIdempotent(
      this.client,
      this.config.enqueueTimeoutMs,
      () => this.run('enqueue', this.base(queue), [jobs]) as Promise<number[]>,
    );
  }

  async claim(request: ClaimRequest): Promise<ClaimResponse> {
    const base = this.base(request.queue);
    const connection = this.watch.connectionOf(base, request.workerId);
    const suspects = this.suspects.get(base) ?? [];
    const { keys, args } = claimArgs(base, request, this.configArgs, typeof connection === 'string' ? connection : await connection, suspects);
    const reply = parseClaimReply((await this.run('claim', base, args, keys, 'buffers')) as ClaimReply);
    this.suspects.set(base, reply.nextSuspect === null ? [] : [reply.nextSuspect]);
    if (reply.othersHold) this.watch.othersHoldJobs(request.queue, base);
    if (reply.flowSent) await this.flows.drain(request.queue);
    // before the claim returns, so that its caller may claim what came back
    await this.recovery.after(base, reply.expired, reply.orphans);
    return reply.response;
  }

  async waitForWork(queue: string, until: number): Promise<void> {
    if (this.closed) return;
    let client = this.blocking.get(queue);
    if (!client) {
      client = this.connection.create('blocking');
      this.blocking.set(queue, client);
    }
    try {
      await this.connection.ready(client, Math.max(1, until - Date.now()));
      const seconds = Math.max(0.001, (until - Date.now()) / 1000);
      await client.blpop(`${this.base(queue)}:marker`, seconds.toFixed(3));
    } catch (error) {
      // interruptWaits() disconnected this client on purpose: that is a wake-up, not a failure
      if (this.blocking.get(queue) === client) throw error;
    }
  }

  interruptWaits(): void {
    for (const client of this.blocking.values()) this.connection.retire(client);
    this.blocking.clear();
  }

  async heartbeat(queue: string, workerId: string, held: string[] | null): Promise<HeartbeatResponse> {
    const base = this.base(queue);
    const connection = this.watch.connectionOf(base, workerId);
    const args = [workerId, held ? '1' : '0', ...this.configArgs, ...(held ?? [])];
    args.push(typeof connection === 'string' ? connection : await connection);
    const [flat, othersHold, expired] = (await this.run('heartbeat', base, args, workerKeys(base, workerId))) as [
      (string | number)[],
      number,
      string[],
    ];
    if (othersHold === 1) this.watch.othersHoldJobs(queue, base);
    await this.recovery.after(base, expired, []);
    const gone: GoneJob[] = [];
    for (let i = 0; i < flat.length; i += 2) gone.push({ id: String(flat[i]), cancelled: flat[i + 1] === 1 });
    return { gone };
  }

  async annotate(queue: string, workerId: string, id: string, note: { progress?: string; log?: string }): Promise<void> {
    await this.run('annotate', this.base(queue), [
      workerId,
      id,
      note.progress ?? '',
      note.log === undefined ? '0' : '1',
      note.log ?? '',
    ]);
  }

  async getJob(queue: string, id: string): Promise<StoredJob | null> {
    await this.connect();
    return this.readJob(queue, id);
  }

  async waitForSettled(queue: string, id: string, timeoutMs: number): Promise<StoredJob | null> {
    return this.watcher.waitForSettled(queue, id, timeoutMs);
  }

  private async readJob(queue: string, id: string): Promise<StoredJob | null> {
    return (await this.readJobs(queue, [id]))[0]!;
  }

  /** The jobs of `ids`, in their order (null: no such job), in one script call. */
  private async readJobs(queue: string, ids: string[]): Promise<(StoredJob | null)[]> {
    if (ids.length === 0) return [];
    const replies = (await this.run('read', this.base(queue), ids)) as [string[], string[]][];
    return replies.map(([flat, logs], index) => (flat.length === 0 ? null : toStoredJob(queue, ids[index]!, pairs(flat), logs)));
  }

  async cancel(queue: string, id: string): Promise<CancelOutcome> {
    await this.connect();
    return this.flows.afterCancel(queue, await this.namedKeys.cancel(this.base(queue), id));
  }

  watchCancels(queue: string, workerId: string, onCancelled: (id: string) => void): CancelWatch {
    return this.cancels.watch(this.base(queue), workerId, onCancelled);
  }

  async setPaused(queue: string, paused: boolean): Promise<void> {
    await this.connect();
    await this.run('set-paused', this.base(queue), [paused ? '1' : '0']);
  }

  async counts(queue: string): Promise<QueueCounts> {
    return (await this.snapshot(queue)).counts;
  }

  async snapshot(queue: string): Promise<QueueSnapshot> {
    await this.connect();
    const [waiting, delayed, active, completed, failed, dead, cancelled, oldest, waitingChildren] = await this.namedKeys.counts(this.base(queue));
    const counts = { waiting, delayed, active, completed, failed, dead, cancelled, 'waiting-children': waitingChildren } as QueueCounts;
    return { counts, oldestWaitingMs: oldest! < 0 ? null : oldest! };
  }

  async ping(): Promise<void> {
    // a lost connection is down now, not once ioredis gives up on the command
    if (this.client.status !== 'ready') throw new Error(`the connection is ${this.client.status}`);
    await this.client.ping();
  }

  async registerHandlers(routes: Map<string, string>): Promise<void> {
    if (routes.size === 0) return;
    await this.connect();
    const flat = [...routes].flat();
    const seen = [...routes.keys()].flatMap((name) => [Date.now(), name]);
    await Promise.all([
      this.client.hset(`${this.config.prefix}:handlers`, ...flat),
      this.client.zadd(`${this.config.prefix}:routes`, ...seen),
      this.client.sadd(`${this.config.prefix}:queues`, ...new Set(routes.values())),
    ]);
    for (const queue of routes.values()) this.listedQueues.add(queue);
  }

  private async listQueue(queue: string): Promise<void> {
    await this.client.sadd(`${this.config.prefix}:queues`, queue);
    this.listedQueues.add(queue);
  }

  /** A route no process has published within ROUTE_TTL_MS is gone with the handlers that made it. */
  async findHandlerQueue(name: string): Promise<string | null> {
    await this.connect();
    const [queue, seen] = await Promise.all([
      this.client.hget(`${this.config.prefix}:handlers`, name),
      this.client.zscore(`${this.config.prefix}:routes`, name),
    ]);
    if (queue === null || (seen !== null && Number(seen) >= Date.now() - ROUTE_TTL_MS)) return queue;
    await Promise.all([
      this.client.hdel(`${this.config.prefix}:handlers`, name),
      this.client.zrem(`${this.config.prefix}:routes`, name),
    ]);
    return null;
  }

  async knownQueues(): Promise<string[]> {
    await this.connect();
    const registered = await this.client.smembers(`${this.config.prefix}:queues`);
    return [...new Set([...Object.keys(this.config.queues), ...registered])];
  }

  async close(): Promise<void> {
    this.closed = true;
    this.watch.close();
    this.interruptWaits();
    this.watcher.close();
    await this.connection.closeAll();
  }

  private base(queue: string): string {
    return `{${this.config.prefix}:${queue}}`;
  }
}
