import type { KeyedScriptRunner } from '../engine/redis/redis-scripts.js';
import type { RedisClient } from '../engine/redis/redis.connection.js';
import type { StoredJob } from '../engine/storage-engine.interface.js';
import type { DeadEntry, DeadLetterStore } from './dead-letter-store.interface.js';

/**
 * The dead-letter queue in Redis: `{q}:dead` (every dead id by when it died) and `{q}:dn:<name>`
 * (the same, per job name), so that a page, filtered or not, is one range read. Reads go out
 * together on the auto-pipelined client; redrive and purge are scripts given every key they touch.
 */
export class RedisDeadLetterStore implements DeadLetterStore {
  constructor(
    private readonly client: RedisClient,
    private readonly run: KeyedScriptRunner,
    private readonly base: (queue: string) => string,
    private readonly readJob: (queue: string, id: string) => Promise<StoredJob | null>,
  ) {}

  async page(queue: string, name: string | undefined, from: number, count: number): Promise<DeadEntry[]> {
    const flat = await this.client.zrevrange(this.index(queue, name), from, from + count - 1, 'WITHSCORES');
    const entries: DeadEntry[] = [];
    for (let i = 0; i < flat.length; i += 2) entries.push({ id: flat[i]!, at: Number(flat[i + 1]) });
    return entries;
  }

  count(queue: string, name: string | undefined): Promise<number> {
    return this.client.zcard(this.index(queue, name));
  }

  async read(queue: string, ids: string[]): Promise<StoredJob[]> {
    const jobs = await Promise.all(ids.map((id) => this.readJob(queue, id)));
    return jobs.filter((job): job is StoredJob => job?.state === 'dead');
  }

  async redrive(queue: string, ids: string[]): Promise<string[]> {
    const base = this.base(queue);
    const jobs = await this.identify(queue, ids);
    if (jobs.length === 0) return [];
    const keys = [`${base}:dead`, `${base}:prios`, `${base}:marker`];
    const args: string[] = [];
    for (const { id, name, priority } of jobs) {
      keys.push(`${base}:j:${id}`, `${base}:dn:${name}`, `${base}:w:${priority}`);
      args.push(id, name, priority);
    }
    return (await this.run('dead-redrive', keys, args)) as string[];
  }

  async purge(queue: string, ids: string[]): Promise<number> {
    const base = this.base(queue);
    const jobs = await this.identify(queue, ids);
    if (jobs.length === 0) return 0;
    const keys = [`${base}:dead`];
    const args: string[] = [];
    for (const { id, name } of jobs) {
      keys.push(`${base}:j:${id}`, `${base}:l:${id}`, `${base}:dn:${name}`);
      args.push(id, name);
    }
    return (await this.run('dead-purge', keys, args)) as number;
  }

  /** Name and priority of each dead job of `ids`: the scripts must be told every key they touch. */
  private async identify(queue: string, ids: string[]): Promise<{ id: string; name: string; priority: string }[]> {
    const base = this.base(queue);
    const fields = await Promise.all(ids.map((id) => this.client.hmget(`${base}:j:${id}`, 's', 'n', 'p')));
    const jobs = [];
    for (const [index, [state, name, priority]] of fields.entries()) {
      if (state === 'dead' && name && priority) jobs.push({ id: ids[index]!, name, priority });
    }
    return jobs;
  }

  private index(queue: string, name: string | undefined): string {
    return name === undefined ? `${this.base(queue)}:dead` : `${this.base(queue)}:dn:${name}`;
  }
}
