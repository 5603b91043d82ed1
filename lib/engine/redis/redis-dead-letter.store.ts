import type { ScriptRunner } from './redis-scripts.js';
import type { RedisClient } from './redis.client.js';
import type { StoredJob } from '../stored-job.interface.js';
import type { DeadEntry, DeadLetterStore } from '../ports/dead-letter-store.interface.js';

/**
 * The dead-letter queue in Redis: `{q}:dead` (every dead id by when it died) and `{q}:dn` (the
 * same, by job name, read by lex range: see dead_member in lib.lua), so that a page, filtered or
 * not, is one range read. Redrive and purge are scripts given the queue's keys.
 */
export class RedisDeadLetterStore implements DeadLetterStore {
  constructor(
    private readonly client: RedisClient,
    private readonly run: ScriptRunner,
    private readonly base: (queue: string) => string,
    private readonly readJobs: (queue: string, ids: string[]) => Promise<(StoredJob | null)[]>,
  ) {}

  async page(queue: string, name: string | undefined, from: number, count: number): Promise<DeadEntry[]> {
    const entries: DeadEntry[] = [];
    if (name === undefined) {
      const flat = await this.client.zrevrange(`${this.base(queue)}:dead`, from, from + count - 1, 'WITHSCORES');
      for (let i = 0; i < flat.length; i += 2) entries.push({ id: flat[i]!, at: Number(flat[i + 1]) });
      return entries;
    }
    const [min, max] = nameRange(name);
    const members = await this.client.zrevrangebylex(`${this.base(queue)}:dn`, max, min, 'LIMIT', from, count);
    for (const member of members) {
      const rest = member.slice(name.length + 1);
      entries.push({ id: rest.slice(TIME_DIGITS), at: Number(rest.slice(0, TIME_DIGITS)) });
    }
    return entries;
  }

  count(queue: string, name: string | undefined): Promise<number> {
    if (name === undefined) return this.client.zcard(`${this.base(queue)}:dead`);
    const [min, max] = nameRange(name);
    return this.client.zlexcount(`${this.base(queue)}:dn`, min, max);
  }

  async read(queue: string, ids: string[]): Promise<StoredJob[]> {
    const jobs = await this.readJobs(queue, ids);
    return jobs.filter((job): job is StoredJob => job?.state === 'dead');
  }

  async redrive(queue: string, ids: string[]): Promise<string[]> {
    if (ids.length === 0) return [];
    return (await this.run('dead-redrive', this.base(queue), ids)) as string[];
  }

  async purge(queue: string, ids: string[]): Promise<number> {
    if (ids.length === 0) return 0;
    return (await this.run('dead-purge', this.base(queue), ids)) as number;
  }
}

/** Digits of a dead job's time in its `{q}:dn` entry (see dead_member in lib.lua). */
const TIME_DIGITS = 13;

/** The lex range of one job name's entries in `{q}:dn`: `name \0 …`. */
function nameRange(name: string): [string, string] {
  return [`[${name}\0`, `(${name}\x01`];
}
