import { nowMs } from '../clock.js';
import { fillBacklog } from './backlog.js';
import { deferred } from './deferred.js';
import { expectedRetries, readJobsAndWorker } from './matrix-params.js';
import { measureResources, throughputMeasurements } from './resource-window.js';
import type { ScenarioRunner } from './scenario-context.js';
import { waitUntilSettled, warmMonitor } from './settled.js';
import { WorkerChild } from './worker-child.js';

/**
 * Scenario 4: fill a backlog, fork `processes` worker processes and let them load their
 * library, then start them all at once and time until every job is completed in Redis.
 * The children report their handler starts every few ms; once all but the last tenth (at
 * least 1,000) of the jobs have started, this process reads the library's own job counts every
 * millisecond until none is left unsettled, so the stop time does not wait for a progress report.
 */
export const processWithWorkerProcesses: ScenarioRunner = async ({ request, params, system, probe }) => {
  const { jobs, concurrency, processes } = params;
  const { shape, settings, payloadBytes } = readJobsAndWorker(params);
  await fillBacklog(system, jobs, shape, payloadBytes);
  const monitor = await warmMonitor(system);
  const { redisPort, namespace, bullmqJobOptions, dashboard } = request;
  const options = { system: request.system, redisPort, namespace, bullmqJobOptions, dashboard, concurrency, settings };
  const children = await Promise.all(Array.from({ length: processes }, () => WorkerChild.spawn(options)));
  const pollFrom = Math.max(0, jobs - Math.max(Math.ceil(jobs / 10), 1_000));
  try {
    const started = () => children.reduce((sum, c) => sum + c.count, 0);
    const nearEnd = deferred();
    const allStarted = deferred();
    const failure = deferred<never>();
    for (const child of children) {
      child.watch(
        () => {
          if (started() >= pollFrom) nearEnd.resolve();
          if (started() >= jobs) allStarted.resolve();
        },
        (error) => {
          nearEnd.reject(error);
          allStarted.reject(error);
          failure.reject(error);
        },
      );
    }
    const drained = allStarted.promise;
    drained.catch(() => {}); // a failure is rethrown where `drained` is awaited
    nearEnd.promise.catch(() => {});
    failure.promise.catch(() => {});
    const cpuBefore = await Promise.all(children.map((c) => c.cpuMs()));
    let startedAt = NaN;
    let settled!: Awaited<ReturnType<typeof waitUntilSettled>>;
    const use = await measureResources(probe, async () => {
      startedAt = nowMs();
      await Promise.all(children.map((c) => c.start()));
      await nearEnd.promise;
      settled = await Promise.race([waitUntilSettled(monitor), failure.promise]);
    });
    await drained; // every start reported, for the double-start check
    const cpuAfter = await Promise.all(children.map((c) => c.cpuMs()));
    const extraStarts = started() - jobs - expectedRetries(jobs, settings);
    const workersCpuMs = cpuAfter.reduce((sum, after, k) => sum + after - cpuBefore[k], 0);
    // Wall time until the library's counts showed every job settled (not when that was awaited here).
    const elapsedMs = settled.at - startedAt;
    return {
      ...throughputMeasurements(jobs, { ...use, elapsedMs }, workersCpuMs),
      firstJobAfterMs: Math.min(...children.map((c) => c.firstAt)) - startedAt,
      lastStartToSettledMs: settled.at - Math.max(...children.map((c) => c.lastAt)),
      settlePolls: settled.polls,
      lastPollMs: settled.lastPollMs,
      jobsOnBusiestProcess: Math.max(...children.map((c) => c.count)),
      extraStarts, // handler starts beyond one per job, i.e. jobs run twice
      failedJobs: settled.counts.failed,
    };
  } finally {
    await Promise.all(children.map((c) => c.stop().catch(() => c.kill())));
    await monitor.close();
  }
};
