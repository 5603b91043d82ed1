import type { KeyedScriptRunner } from './redis-scripts.js';
import type { RedisClient } from './redis.client.js';
import type { RedisSubscriber } from './redis.subscriber.js';
import type { AdvanceVerdict, ScheduleReading, ScheduleStore, StartVerdict, TickStart } from '../ports/schedule-store.interface.js';

/**
 * Schedules in Redis, every key under the hash tag `{prefix:schedules}` (one cluster slot):
 * `defs` (name → definition), `paused` (a set of names; `*` = all) and one hash per schedule.
 */
export class RedisScheduleStore implements ScheduleStore {
  private readonly base: string;

  constructor(
    private readonly client: RedisClient,
    private readonly run: KeyedScriptRunner,
    private readonly subscriber: RedisSubscriber,
    prefix: string,
    private readonly timeoutMs: number,
  ) {
    this.base = `{${prefix}:schedules}`;
  }

  async define(name: string, definition: string, replace: boolean): Promise<boolean> {
    if (replace) {
      await this.client.hset(`${this.base}:defs`, name, definition);
      return true;
    }
    const added = (await this.client.hsetnx(`${this.base}:defs`, name, definition)) === 1;
    if (added) await this.client.publish(`${this.base}:changed`, name);
    return added;
  }

  async definitions(): Promise<Map<string, string>> {
    return new Map(Object.entries(await this.client.hgetall(`${this.base}:defs`)));
  }

  async remove(name: string): Promise<{ ahead?: number } | null> {
    const replies = await this.client
      .multi()
      .hget(this.state(name), 'ahead')
      .hdel(`${this.base}:defs`, name)
      .srem(`${this.base}:paused`, name)
      .del(this.state(name))
      .exec();
    const [[, ahead], [, removed]] = replies as [[unknown, string | null], [unknown, number]];
    if (removed === 0) return null;
    await this.client.publish(`${this.base}:changed`, name);
    return { ahead: ahead === null ? undefined : Number(ahead) };
  }

  async advance(name: string, due: number, limit: number, idPrefix = ''): Promise<AdvanceVerdict> {
    const keys = [`${this.base}:defs`, `${this.base}:paused`, this.state(name)];
    return (await this.run('schedule-advance', keys, [name, due, limit, idPrefix])) as AdvanceVerdict;
  }

  async start(name: string, tick: TickStart): Promise<StartVerdict> {
    return (await this.run('schedule-start', [`${this.base}:paused`, this.state(name)], [
      name,
      tick.due,
      tick.id,
      tick.manual ? '1' : '0',
      tick.overlap ? '1' : '0',
      tick.missed,
      tick.followingDue ?? '',
      tick.limit,
      tick.holdMs,
    ])) as StartVerdict;
  }

  async hold(name: string, id: string, holdMs: number): Promise<void> {
    await this.run('schedule-hold', [this.state(name)], [id, holdMs]);
  }

  async setPaused(name: string | null, paused: boolean): Promise<void> {
    const key = `${this.base}:paused`;
    if (name === null && !paused) await this.client.del(key);
    else if (paused) await this.client.sadd(key, name ?? '*');
    else await this.client.srem(key, name!);
  }

  async read(names: string[]): Promise<ScheduleReading[]> {
    const pipeline = this.client.pipeline().smembers(`${this.base}:paused`);
    for (const name of names) pipeline.hmget(this.state(name), 'runs', 'ahead', 'last', 'lastId');
    const [[, paused], ...states] = (await pipeline.exec()) as [unknown, unknown][];
    const pausedNames = new Set(paused as string[]);
    return names.map((name, index) => {
      const [runs, ahead, last, lastId] = states[index]![1] as (string | null)[];
      return {
        paused: pausedNames.has('*') || pausedNames.has(name),
        runs: Number(runs ?? 0),
        ahead: ahead === null ? undefined : Number(ahead),
        last: last === null ? undefined : Number(last),
        lastId: lastId ?? undefined,
      };
    });
  }

  watch(onChange: () => void): Promise<void> {
    return this.subscriber.listen(`${this.base}:changed`, onChange, this.timeoutMs);
  }

  async time(): Promise<number> {
    const [seconds, micros] = await this.client.time();
    return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
  }

  private state(name: string): string {
    return `${this.base}:s:${name}`;
  }
}
