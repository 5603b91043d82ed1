import { Logger } from '@nestjs/common';
import { Cluster, Redis, ReplyError } from 'ioredis';
import { WORKERS_DISCONNECTED } from '../../background.messages.js';
import type { RedisClient } from './redis.client.js';
import type { ScriptRunner } from './redis-scripts.js';
import type { QueueRecovery } from './queue-recovery.js';

/** How often the connections of a watched queue's other workers are looked up. */
const CHECK_MS = 500;
/**
 * How long a worker's connection must stay absent before the worker counts as dead: time for a
 * worker whose connection dropped to reconnect and record the new one (ioredis retries after 50 ms).
 */
const ABSENT_MS = 1000;

/**
 * Notices worker processes that died (kill -9, a crash, an OOM kill) by their Redis connection
 * closing, so that their jobs run again within about two seconds rather than when the lease runs
 * out. Each worker records, with its claims and heartbeats, the connection its scripts come
 * through (`<server run id>:<client id>`). While a claim or heartbeat of a worker of this process
 * says that another worker of the queue holds jobs, this process looks those workers'
 * connections up (CLIENT LIST ID) every `CHECK_MS`; a connection absent from lookups
 * `ABSENT_MS` apart, and still the one recorded for its worker, ends that worker's lease at once
 * (expire-workers). A process whose connection drops records the new one as soon as it is back,
 * so a short drop is not taken for a death. A hung process or a network partition keeps its
 * connection open, and is left to the lease.
 *
 * On a Redis Cluster the connection is the one to the node that owns the queue's slot, and is
 * looked up there. A connection recorded on another server, or on an earlier run of this one
 * (the slot moved, the server restarted), proves nothing and is left to the lease.
 */
export class ConnectionWatch {
  private readonly logger = new Logger('Background');
  /** The connection of each client that scripts go through (on a Cluster, one per node); '' while not known. */
  private readonly connections = new WeakMap<Redis, string | Promise<string>>();
  /** On a Cluster, the slot of each queue base. */
  private readonly slots = new Map<string, number | Promise<number>>();
  /** Workers of this process, per queue base: never suspects, and re-recorded on reconnect. */
  private readonly local = new Map<string, Set<string>>();
  private readonly watched = new Map<string, Watch>();
  /** CLIENT LIST ID was refused (Redis before 6.2, an ACL): only the lease applies. */
  private unsupported = false;
  private closed = false;

  constructor(
    private readonly client: RedisClient,
    private readonly run: ScriptRunner,
    private readonly recovery: QueueRecovery,
  ) {
    if (!(client instanceof Cluster)) return;
    client.on('+node', (node: Redis) => this.follow(node));
    // ioredis does not reconnect a node whose connection closed until a command goes its way:
    // send one for each queue of this process, so that its workers record their new connection
    // before a watcher takes the old one's close for their death
    client.on('-node', () => {
      if (this.closed) return;
      for (const base of this.local.keys()) client.exists(`${base}:conn`).catch(() => undefined);
    });
  }

  /** What the scripts of `workerId` record as its connection; a promise right after a reconnect. */
  connectionOf(base: string, workerId: string): string | Promise<string> {
    let workers = this.local.get(base);
    if (!workers) this.local.set(base, (workers = new Set()));
    workers.add(workerId);
    const node = this.nodeOf(base);
    if (node === null) return '';
    if (node instanceof Promise) return node.then((found) => (found ? this.connectionAt(found) : ''));
    return this.connectionAt(node);
  }

  /** A worker of this process was told that another worker of the queue holds jobs: watch them while any does. */
  othersHoldJobs(queue: string, base: string): void {
    if (this.closed || this.unsupported || this.watched.has(base)) return;
    const watch: Watch = { queue, absentSince: new Map(), timer: null };
    this.watched.set(base, watch);
    void this.check(base, watch);
  }

  close(): void {
    this.closed = true;
    for (const watch of this.watched.values()) if (watch.timer) clearTimeout(watch.timer);
    this.watched.clear();
  }

  private stop(base: string, watch: Watch): void {
    if (this.watched.get(base) === watch) this.watched.delete(base);
  }

  /** The client the scripts of a queue go through: on a Cluster, the node that owns its slot (null while not known). */
  private nodeOf(base: string): Redis | null | Promise<Redis | null> {
    const client = this.client;
    if (client instanceof Redis) return client;
    const slot = this.slots.get(base);
    const nodeAt = (at: number): Redis | null => {
      const key = client.slots[at]?.[0];
      return client.nodes('master').find((node) => `${node.options.host ?? '127.0.0.1'}:${node.options.port ?? 6379}` === key) ?? null;
    };
    if (typeof slot === 'number') return nodeAt(slot);
    if (slot) return slot.then(nodeAt, () => null);
    const asking = (client.call('CLUSTER', 'KEYSLOT', base) as Promise<number>).then(Number);
    this.slots.set(base, asking);
    asking.then(
      (at) => this.slots.set(base, at),
      () => this.slots.delete(base),
    );
    return asking.then(nodeAt, () => null);
  }

  private connectionAt(node: Redis): string | Promise<string> {
    const known = this.connections.get(node);
    if (known !== undefined) return known;
    this.follow(node);
    return node.status === 'ready' ? this.readConnection(node) : '';
  }

  /** Reads the connection of `node` each time it is ready, and forgets it as soon as it closes. */
  private follow(node: Redis): void {
    if (this.connections.has(node)) return;
    this.connections.set(node, '');
    // ioredis sets the status before it emits the event: scripts sent in between must not carry
    // the id of the connection that closed
    node.on('close', () => this.connections.set(node, ''));
    node.on('ready', () => this.readConnection(node));
  }

  private readConnection(node: Redis): Promise<string> {
    const reading = Promise.all([node.call('CLIENT', 'ID'), node.info('server')]).then(
      ([id, info]) => {
        const runId = /^run_id:(\w+)/m.exec(info)?.[1];
        return runId ? `${runId}:${String(id)}` : '';
      },
      // CLIENT may be denied by an ACL: then the lease alone applies
      () => '',
    );
    this.connections.set(node, reading);
    void reading.then((connection) => {
      if (this.connections.get(node) !== reading) return;
      this.connections.set(node, connection);
      // workers that hold long jobs may not call storage for a while: record for them now
      for (const [base, workers] of this.local) {
        if (this.nodeOf(base) !== node) continue;
        this.run('record-connection', base, [connection, ...workers]).catch(() => undefined);
      }
    });
    return reading;
  }

  /** One lookup of the other workers' connections; schedules the next while another worker holds jobs. */
  private async check(base: string, watch: Watch): Promise<void> {
    let othersHold = true;
    try {
      const node = await this.nodeOf(base);
      const mine = node ? await this.connectionAt(node) : '';
      // not known (reconnecting, or CLIENT denied): stop; the next claim that says another worker holds jobs starts again
      if (!mine) return this.stop(base, watch);
      const runId = mine.slice(0, mine.indexOf(':') + 1);
      const client = this.client;
      const [holders, recorded] = await Promise.all([client.zrange(`${base}:workers`, '0', '-1'), client.hgetall(`${base}:conn`)]);
      const local = this.local.get(base);
      const others = holders.filter((worker) => !local?.has(worker));
      othersHold = others.length > 0;
      // a connection recorded on another run of the server (it restarted) says nothing about now
      const suspects = runId ? others.filter((worker) => recorded[worker]?.startsWith(runId)) : [];
      const present = new Set<string>();
      if (suspects.length > 0) {
        const ids = new Set(suspects.map((worker) => recorded[worker]!.slice(runId.length)));
        // on a Cluster, asked of the node that owns the queue's slot, where the workers' scripts go
        const list = (await node!.call('CLIENT', 'LIST', 'ID', ...ids).catch((error: unknown) => {
          if (error instanceof ReplyError) this.unsupported = true;
          throw error;
        })) as string;
        for (const line of list.split('\n')) {
          const id = /^id=(\d+) /.exec(line)?.[1];
          if (id) present.add(id);
        }
      }
      const now = performance.now();
      const expire: string[] = [];
      const seen = new Set<string>();
      for (const worker of suspects) {
        const connection = recorded[worker]!;
        if (present.has(connection.slice(runId.length))) continue;
        const key = `${worker} ${connection}`;
        seen.add(key);
        const since = watch.absentSince.get(key) ?? now;
        watch.absentSince.set(key, since);
        if (now - since >= ABSENT_MS) expire.push(worker, connection);
      }
      // absent on every lookup in a row, or it starts over
      for (const key of watch.absentSince.keys()) if (!seen.has(key)) watch.absentSince.delete(key);
      if (expire.length > 0) {
        const workers = (await this.run('expire-workers', base, expire)) as string[];
        const recovered = await this.recovery.reap(base, workers);
        if (recovered > 0) this.logger.warn(WORKERS_DISCONNECTED(watch.queue, workers, recovered));
      }
    } catch (error) {
      // storage unreachable or slow: nothing is concluded from a lookup that failed
      this.logger.debug(`Could not look up the connections of the workers of queue "${watch.queue}": ${(error as Error).message}`);
    }
    if (this.closed || this.watched.get(base) !== watch) return;
    if (!othersHold || this.unsupported) return this.stop(base, watch);
    watch.timer = setTimeout(() => {
      watch.timer = null;
      void this.check(base, watch);
    }, CHECK_MS);
  }
}

interface Watch {
  queue: string;
  /** `performance.now()` of the first lookup, in an unbroken run, that missed a worker's connection, by "worker connection". */
  absentSince: Map<string, number>;
  timer: NodeJS.Timeout | null;
}
