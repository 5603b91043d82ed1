import type { Redis } from 'ioredis';
import { nowMs } from '../clock.js';
import { ownCpuMs } from '../process-cpu.js';
import { redisCommandCalls, redisCpuSeconds } from '../redis-info.js';

export interface ResourceUse {
  elapsedMs: number;
  /** CPU of this process (user + system). */
  ownCpuMs: number;
  /** CPU of the Redis server process. */
  redisCpuMs: number;
  /** Commands Redis ran (those inside scripts included, INFO itself left out). */
  redisCommands: number;
}

/** Wall time, this process's CPU, Redis's CPU and its commands while `work` runs. */
export async function measureResources(probe: Redis, work: () => Promise<void>): Promise<ResourceUse> {
  const commandsBefore = await redisCommandCalls(probe);
  const redisBefore = await redisCpuSeconds(probe);
  const cpuBefore = ownCpuMs();
  const start = nowMs();
  await work();
  const elapsedMs = nowMs() - start;
  const ownCpu = ownCpuMs() - cpuBefore;
  const redisCpuMs = ((await redisCpuSeconds(probe)) - redisBefore) * 1000;
  const redisCommands = (await redisCommandCalls(probe)) - commandsBefore;
  return { elapsedMs, ownCpuMs: ownCpu, redisCpuMs, redisCommands };
}

/** The per-job and utilisation figures every throughput scenario reports. */
export function throughputMeasurements(jobs: number, use: ResourceUse, clientCpuMs = use.ownCpuMs) {
  return {
    jobsPerSecond: jobs / (use.elapsedMs / 1000),
    redisCpuUsPerJob: (use.redisCpuMs * 1000) / jobs,
    redisCommandsPerJob: use.redisCommands / jobs,
    nodeCpuUsPerJob: (clientCpuMs * 1000) / jobs,
    redisCpuPercent: (100 * use.redisCpuMs) / use.elapsedMs,
    nodeCpuPercent: (100 * clientCpuMs) / use.elapsedMs,
    elapsedMs: use.elapsedMs,
  };
}
