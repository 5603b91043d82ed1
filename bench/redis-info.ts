import { Redis } from 'ioredis';

/** A plain connection used only to observe the benchmark's Redis server (INFO, FLUSHALL). */
export function connectProbe(port: number): Redis {
  return new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: 1 });
}

async function info(redis: Redis, section: string): Promise<Map<string, string>> {
  const fields = new Map<string, string>();
  for (const line of (await redis.info(section)).split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0 && !line.startsWith('#')) fields.set(line.slice(0, colon), line.slice(colon + 1));
  }
  return fields;
}

function numberField(fields: Map<string, string>, name: string): number {
  const value = fields.get(name);
  if (value === undefined) throw new Error(`INFO has no field ${name}`);
  return Number(value);
}

/** CPU seconds (user + system) the Redis server process has used since it started. */
export async function redisCpuSeconds(redis: Redis): Promise<number> {
  const cpu = await info(redis, 'cpu');
  return numberField(cpu, 'used_cpu_user') + numberField(cpu, 'used_cpu_sys');
}

/** Commands Redis has run since its statistics were reset, those run by scripts included, INFO left out. */
export async function redisCommandCalls(redis: Redis): Promise<number> {
  let calls = 0;
  for (const [name, value] of await info(redis, 'commandstats')) {
    if (name === 'cmdstat_info') continue;
    calls += Number(/calls=(\d+)/.exec(value)?.[1] ?? 0);
  }
  return calls;
}

/** Bytes allocated by Redis (`INFO memory` used_memory). */
export async function redisUsedMemory(redis: Redis): Promise<number> {
  return numberField(await info(redis, 'memory'), 'used_memory');
}

export async function redisVersion(redis: Redis): Promise<string> {
  return (await info(redis, 'server')).get('redis_version') ?? 'unknown';
}
