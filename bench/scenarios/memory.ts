import { sleep } from '../clock.js';
import { redisUsedMemory } from '../redis-info.js';
import { noopBatch } from './backlog.js';
import type { ScenarioRunner } from './scenario-context.js';

/**
 * Scenario 6: Redis memory added per waiting job. One job is enqueued first so per-queue keys
 * and the Lua script cache exist before the baseline; no worker runs.
 */
export const memoryPerWaitingJob: ScenarioRunner = async ({ params, system, probe }) => {
  const { jobs, batch } = params;
  const producer = await system.createProducer();
  await producer.enqueueMany([{ i: -1 }]);
  await sleep(200);
  const before = await redisUsedMemory(probe);
  for (let from = 0; from < jobs; from += batch) await producer.enqueueMany(noopBatch(from, Math.min(batch, jobs - from)));
  await sleep(200);
  const after = await redisUsedMemory(probe);
  const missingJobs = jobs + 1 - (await producer.countWaiting());
  await producer.close();
  return { bytesPerJob: (after - before) / jobs, usedMemoryBefore: before, usedMemoryAfter: after, missingJobs };
};
