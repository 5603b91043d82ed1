import { nowMs } from '../clock.js';
import { fillBacklog } from './backlog.js';
import { countJobs } from './job-counter.js';
import { measureResources, throughputMeasurements } from './resource-window.js';
import type { ScenarioRunner } from './scenario-context.js';

/**
 * Scenario 3: fill a backlog (not timed), then time one in-process worker from the call
 * that starts it until its handler has started every job of the backlog.
 */
export const processBacklog: ScenarioRunner = async ({ params, system, probe }) => {
  const { jobs, concurrency } = params;
  await fillBacklog(system, jobs);
  const counter = countJobs(jobs);
  let worker: { close(): Promise<void> } | undefined;
  let startedAt = NaN;
  const use = await measureResources(probe, async () => {
    startedAt = nowMs();
    worker = await system.startWorker(concurrency, counter.onJob);
    await counter.done;
  });
  await worker?.close();
  return {
    ...throughputMeasurements(jobs, use),
    firstJobAfterMs: counter.firstAt - startedAt,
    steadyJobsPerSecond: (jobs - 1) / ((counter.lastAt - counter.firstAt) / 1000),
    duplicateStarts: counter.duplicates,
  };
};
