import type { StoredJob } from '../stored-job.interface.js';
import {
  ACTIVITY_KEPT_MINUTES,
  type ActivityCounts,
  type ActivityPoint,
  type AuditEntry,
  type DashboardStore,
  type IdPage,
  type ListedState,
  type ProcessRecord,
} from '../ports/dashboard-store.interface.js';
import type { ScriptRunner } from './redis-scripts.js';
import type { RedisClient } from './redis.client.js';

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
/** An hour's activity key lives this long past its hour: 72 h and the hour itself. */
const ACTIVITY_TTL_SECONDS = (ACTIVITY_KEPT_MINUTES * MINUTE_MS + HOUR_MS) / 1000;
/** waitp's score below which jobs have a priority above 0 (see push_waiting in lib-line.lua). */
const PRIORITY_ZERO_SCORE = 1000 * 2 ** 42;
const PRIORITY_UNIT = 2 ** 42;
/** Distinct priorities counted at most (each costs one range read). */
const MAX_PRIORITIES = 32;

/**
 * The dashboard's reads in Redis, each a range read of one key (or a few of one queue's, in one
 * pipeline); nothing scans a queue. Keys of its own: `{prefix:queue}:h:<hour>` (a hash of
 * `c<minute>`/`f<minute>` counts, expiring 73 h after its hour), `{prefix:processes}:records`
 * (each live process's record, a hash) with `:expiries` (when each is forgotten unless published
 * again, a zset: a killed process's record goes with the next publication or read), and
 * `prefix:audit` (a list, newest first, trimmed).
 */
export class RedisDashboardStore implements DashboardStore {
  constructor(
    private readonly client: RedisClient,
    private readonly run: ScriptRunner,
    private readonly prefix: string,
    private readonly base: (queue: string) => string,
    private readonly readJobs: (queue: string, ids: string[]) => Promise<(StoredJob | null)[]>,
  ) {}

  async page(queue: string, state: ListedState, cursor: string | null, limit: number): Promise<IdPage> {
    const from = Math.max(0, Number.parseInt(cursor ?? '0', 10) || 0);
    const base = this.base(queue);
    let ids: string[];
    switch (state) {
      case 'waiting':
        ids = await this.waiting(base, from, limit);
        break;
      case 'active':
        ids = (await this.active(base)).slice(from, from + limit);
        break;
      case 'delayed':
        ids = await this.client.zrange(`${base}:delayed`, String(from), String(from + limit - 1));
        break;
      case 'failed':
        ids = await this.client.zrange(`${base}:retry`, String(from), String(from + limit - 1));
        break;
      default:
        ids = await this.client.zrevrange(`${base}:${state}`, from, from + limit - 1);
    }
    return { ids, next: ids.length < limit ? null : String(from + ids.length) };
  }

  /** Claim order: priorities above 0 (waitp), then priority 0 (wait, a list), then those below 0 (waitp). */
  private async waiting(base: string, from: number, limit: number): Promise<string[]> {
    const [above, zeroCount] = await Promise.all([
      this.client.zcount(`${base}:waitp`, '-inf', `(${PRIORITY_ZERO_SCORE}`),
      this.client.llen(`${base}:wait`),
    ]);
    const ids: string[] = [];
    const to = from + limit;
    if (from < above) ids.push(...(await this.client.zrange(`${base}:waitp`, String(from), String(Math.min(to, above) - 1))));
    if (to > above && from < above + zeroCount) {
      const start = Math.max(0, from - above);
      ids.push(...(await this.client.lrange(`${base}:wait`, start, Math.min(to - above, zeroCount) - 1)));
    }
    if (to > above + zeroCount) {
      const start = above + Math.max(0, from - above - zeroCount);
      ids.push(...(await this.client.zrange(`${base}:waitp`, String(start), String(start + (to - Math.max(from, above + zeroCount)) - 1))));
    }
    return ids;
  }

  /** Every job the queue's workers run now: at most their concurrency each. */
  private async active(base: string): Promise<string[]> {
    const workers = await this.client.zrange(`${base}:workers`, '0', '-1');
    const sets = await Promise.all(workers.map((worker) => this.client.smembers(`${base}:a:${worker}`)));
    return sets.flat().sort();
  }

  async read(queue: string, ids: string[]): Promise<StoredJob[]> {
    return (await this.readJobs(queue, ids)).filter((job): job is StoredJob => job !== null);
  }

  async running(queue: string, workerIds: string[]): Promise<Record<string, string[]>> {
    const sets = await Promise.all(workerIds.map((worker) => this.client.smembers(`${this.base(queue)}:a:${worker}`)));
    return Object.fromEntries(workerIds.map((worker, index) => [worker, sets[index]!.sort()]));
  }

  async paused(queue: string): Promise<boolean> {
    return (await this.client.hget(`${this.base(queue)}:meta`, 'paused')) === '1';
  }

  async priorities(queue: string): Promise<Record<string, number>> {
    const base = this.base(queue);
    const counts: Record<string, number> = {};
    const zero = await this.client.llen(`${base}:wait`);
    if (zero > 0) counts['0'] = zero;
    let from = '-inf';
    for (let step = 0; step < MAX_PRIORITIES; step++) {
      const first = await this.client.zrangebyscore(`${base}:waitp`, from, '+inf', 'WITHSCORES', 'LIMIT', 0, 1);
      if (first.length === 0) break;
      const slot = Math.floor(Number(first[1]) / PRIORITY_UNIT);
      const upper = (slot + 1) * PRIORITY_UNIT;
      counts[String(1000 - slot)] = await this.client.zcount(`${base}:waitp`, slot * PRIORITY_UNIT, `(${upper}`);
      from = String(upper);
    }
    return counts;
  }

  async promote(queue: string, id: string): Promise<boolean> {
    return (await this.run('promote', this.base(queue), [id])) === 1;
  }

  async addActivity(counts: ActivityCounts): Promise<void> {
    // one pipeline per queue: its keys share a slot (a Cluster refuses a pipeline across slots)
    const writes: Promise<unknown>[] = [];
    for (const [queue, minutes] of counts) {
      const pipeline = this.client.pipeline();
      const hours = new Set<string>();
      for (const [minute, { completed, failed }] of minutes) {
        const key = `${this.base(queue)}:h:${Math.floor(minute / HOUR_MS)}`;
        const field = Math.floor(minute / MINUTE_MS);
        if (completed > 0) pipeline.hincrby(key, `c${field}`, completed);
        if (failed > 0) pipeline.hincrby(key, `f${field}`, failed);
        hours.add(key);
      }
      for (const key of hours) pipeline.expire(key, ACTIVITY_TTL_SECONDS);
      writes.push(pipeline.exec());
    }
    await Promise.all(writes);
  }

  async activity(queue: string, from: number, to: number): Promise<ActivityPoint[]> {
    const hours: number[] = [];
    for (let hour = Math.floor(from / HOUR_MS); hour <= Math.floor(to / HOUR_MS); hour++) hours.push(hour);
    const hashes = await Promise.all(hours.map((hour) => this.client.hgetall(`${this.base(queue)}:h:${hour}`)));
    const byMinute = new Map<number, ActivityPoint>();
    for (const hash of hashes) {
      for (const [field, value] of Object.entries(hash)) {
        const t = Number(field.slice(1)) * MINUTE_MS;
        if (t < from || t > to) continue;
        const point = byMinute.get(t) ?? { t, completed: 0, failed: 0 };
        if (field[0] === 'c') point.completed = Number(value);
        else point.failed = Number(value);
        byMinute.set(t, point);
      }
    }
    return [...byMinute.values()].sort((a, b) => a.t - b.t);
  }

  async publishProcess(id: string, record: ProcessRecord | null, ttlMs: number): Promise<void> {
    const { records, expiries } = this.processKeys();
    if (record === null) {
      await this.client.pipeline().hdel(records, id).zrem(expiries, id).exec();
      return;
    }
    await this.client.pipeline().hset(records, id, JSON.stringify(record)).zadd(expiries, record.seenAt + ttlMs, id).exec();
    await this.forgetExpired();
  }

  async processes(): Promise<ProcessRecord[]> {
    const { records, expiries } = this.processKeys();
    await this.forgetExpired();
    const live = await this.client.zrange(expiries, '0', '-1');
    if (live.length === 0) return [];
    const found = await this.client.hmget(records, ...live);
    return found
      .filter((json): json is string => json !== null)
      .map((json) => JSON.parse(json) as ProcessRecord)
      .sort((a, b) => a.id.localeCompare(b.id));
  }

  /** Records of processes that stopped publishing (killed) go, so that the hash holds live processes only. */
  private async forgetExpired(): Promise<void> {
    const { records, expiries } = this.processKeys();
    const expired = await this.client.zrangebyscore(expiries, '-inf', Date.now(), 'LIMIT', 0, 100);
    if (expired.length > 0) await this.client.pipeline().hdel(records, ...expired).zrem(expiries, ...expired).exec();
  }

  /** Under one hash tag, so that a pipeline of both is one slot's. */
  private processKeys(): { records: string; expiries: string } {
    return { records: `{${this.prefix}:processes}:records`, expiries: `{${this.prefix}:processes}:expiries` };
  }

  async appendAudit(entry: AuditEntry, max: number): Promise<void> {
    const key = `${this.prefix}:audit`;
    await this.client.pipeline().lpush(key, JSON.stringify(entry)).ltrim(key, 0, max - 1).exec();
  }

  async audit(from: number, count: number): Promise<AuditEntry[]> {
    const lines = await this.client.lrange(`${this.prefix}:audit`, from, from + count - 1);
    return lines.map((line) => JSON.parse(line) as AuditEntry);
  }
}
