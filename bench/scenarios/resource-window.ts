import type { Redis } from 'ioredis';
import { nowMs } from '../clock.js';
import { ownCpuMs } from '../process-cpu.js';
import { redisCpuSeconds } from '../redis-info.js';

export interface ResourceUse {
  elapsedMs: number;
  /** CPU of this process (user + system). */
  ownCpuMs: number;
  /** CPU of the Redis server process. */
  redisCpuMs: number;
}

/** Wall time, this process's CPU and Redis's CPU spent while `work` runs. */
export async function measureResources(probe: Redis, work: () => Promise<void>): Promise<ResourceUse> {
  const redisBefore = await redisCpuSeconds(probe);
  const cpuBefore = ownCpuMs();
  const start = nowMs();
  await work();
  const elapsedMs = nowMs() - start;
  const ownCpu = ownCpuMs() - cpuBefore;
  const redisCpuMs = ((await redisCpuSeconds(probe)) - redisBefore) * 1000;
  return { elapsedMs, ownCpuMs: ownCpu, redisCpuMs };
}

/** The per-job and utilisation figures every throughput scenario reports. */
export function throughputMeasurements(jobs: number, use: ResourceUse, clientCpuMs = use.ownCpuMs) {
  return {
    jobsPerSecond: jobs / (use.elapsedMs / 1000),
    redisCpuUsPerJob: (use.redisCpuMs * 1000) / jobs,
    nodeCpuUsPerJob: (clientCpuMs * 1000) / jobs,
    redisCpuPercent: (100 * use.redisCpuMs) / use.elapsedMs,
    nodeCpuPercent: (100 * clientCpuMs) / use.elapsedMs,
    elapsedMs: use.elapsedMs,
  };
}
