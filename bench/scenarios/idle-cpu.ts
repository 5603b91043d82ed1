import { sleep } from '../clock.js';
import { readProcessCpuMs } from '../process-cpu.js';
import { redisCpuSeconds } from '../redis-info.js';
import type { ScenarioRunner } from './scenario-context.js';
import { WorkerChild } from './worker-child.js';

/**
 * Scenario 7: CPU an idle worker process uses on an empty queue, and what its polling costs
 * Redis. Two back-to-back windows after the worker is ready: the first `startupMs` (includes
 * V8's one-off heap reduction, a few full GCs 8-11 s after the process starts that cost tens of
 * ms whatever the library), then `idleMs` of steady state, which is the headline figure.
 */
export const idleWorkerCpu: ScenarioRunner = async ({ request, params, probe }) => {
  const { startupMs, idleMs, concurrency } = params;
  const { system, redisPort, namespace, bullmqJobOptions } = request;
  const child = await WorkerChild.spawn({ system, redisPort, namespace, bullmqJobOptions, concurrency });
  const sample = async () => ({ self: await child.cpuMs(), proc: readProcessCpuMs(child.pid), redis: (await redisCpuSeconds(probe)) * 1000 });
  try {
    await child.start();
    const ready = await sample();
    await sleep(startupMs);
    const steady = await sample();
    await sleep(idleMs);
    const end = await sample();
    return {
      workerCpuMs: end.self - steady.self,
      workerCpuMsFromProcStat: end.proc - steady.proc,
      redisCpuMs: end.redis - steady.redis,
      workerCpuMsStartup: steady.self - ready.self,
      redisCpuMsStartup: steady.redis - ready.redis,
    };
  } finally {
    await child.stop().catch(() => child.kill());
  }
};
