import { nowMs } from '../clock.js';
import { fillBacklog } from './backlog.js';
import { measureResources, throughputMeasurements } from './resource-window.js';
import type { ScenarioRunner } from './scenario-context.js';
import { WorkerChild } from './worker-child.js';

/**
 * Scenario 4: fill a backlog, fork `processes` worker processes and let them load their
 * library, then start them all at once and time until their handlers have started every job.
 * Each child reports its latest handler-start time, so the end time does not depend on IPC delay.
 */
export const processWithWorkerProcesses: ScenarioRunner = async ({ request, params, system, probe }) => {
  const { jobs, concurrency, processes } = params;
  await fillBacklog(system, jobs);
  const { redisPort, namespace, bullmqJobOptions } = request;
  const options = { system: request.system, redisPort, namespace, bullmqJobOptions, concurrency };
  const children = await Promise.all(Array.from({ length: processes }, () => WorkerChild.spawn(options)));
  try {
    const drained = new Promise<void>((resolve, reject) => {
      const check = () => {
        if (children.reduce((sum, c) => sum + c.count, 0) >= jobs) resolve();
      };
      for (const child of children) child.watch(check, reject);
    });
    drained.catch(() => {}); // a failure is rethrown where `drained` is awaited
    const cpuBefore = await Promise.all(children.map((c) => c.cpuMs()));
    let startedAt = NaN;
    const use = await measureResources(probe, async () => {
      startedAt = nowMs();
      await Promise.all(children.map((c) => c.start()));
      await drained;
    });
    const cpuAfter = await Promise.all(children.map((c) => c.cpuMs()));
    const extraStarts = children.reduce((sum, c) => sum + c.count, 0) - jobs;
    const workersCpuMs = cpuAfter.reduce((sum, after, k) => sum + after - cpuBefore[k], 0);
    // Wall time to the last handler start, as reported by the children (IPC lag excluded).
    const elapsedMs = Math.max(...children.map((c) => c.lastAt)) - startedAt;
    return {
      ...throughputMeasurements(jobs, { ...use, elapsedMs }, workersCpuMs),
      firstJobAfterMs: Math.min(...children.map((c) => c.firstAt)) - startedAt,
      jobsOnBusiestProcess: Math.max(...children.map((c) => c.count)),
      extraStarts, // handler starts beyond one per job, i.e. jobs run twice
    };
  } finally {
    await Promise.all(children.map((c) => c.stop().catch(() => c.kill())));
  }
};
