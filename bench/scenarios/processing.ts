import { nowMs } from '../clock.js';
import { fillBacklog } from './backlog.js';
import { countJobs } from './job-counter.js';
import { expectedRetries, readJobsAndWorker } from './matrix-params.js';
import { measureResources, throughputMeasurements } from './resource-window.js';
import type { ScenarioRunner } from './scenario-context.js';
import type { RunningWorker } from '../systems/system.js';
import { waitUntilSettled, warmMonitor } from './settled.js';

/**
 * Scenario 3: fill a backlog (not timed), then time one in-process worker from the call that
 * starts it until every job of the backlog is completed in Redis: once the handler has started
 * the last job, the library's own job counts are read every millisecond (separate connection)
 * until none is left unsettled.
 */
export const processBacklog: ScenarioRunner = async ({ params, system, probe }) => {
  const { jobs, concurrency } = params;
  const { shape, settings, payloadBytes } = readJobsAndWorker(params);
  await fillBacklog(system, jobs, shape, payloadBytes);
  const monitor = await warmMonitor(system);
  const counter = countJobs(jobs);
  let worker: RunningWorker | undefined;
  let startedAt = NaN;
  let settledAt = NaN;
  let polls = NaN;
  let lastPollMs = NaN;
  let failedJobs = NaN;
  let dashboardEvents: number | undefined;
  const use = await measureResources(probe, async () => {
    startedAt = nowMs();
    worker = await system.startWorker(concurrency, counter.onJob, settings);
    await counter.done;
    const settled = await waitUntilSettled(monitor);
    settledAt = settled.at;
    polls = settled.polls;
    lastPollMs = settled.lastPollMs;
    failedJobs = settled.counts.failed;
    dashboardEvents = worker.dashboardEvents?.();
  });
  await worker?.close();
  await monitor.close();
  return {
    ...throughputMeasurements(jobs, { ...use, elapsedMs: settledAt - startedAt }),
    firstJobAfterMs: counter.firstAt - startedAt,
    lastStartToSettledMs: settledAt - counter.lastAt,
    settlePolls: polls,
    lastPollMs,
    steadyJobsPerSecond: (jobs - 1) / ((counter.lastAt - counter.firstAt) / 1000),
    duplicateStarts: counter.duplicates - expectedRetries(jobs, settings),
    failedJobs,
    // BENCH_DASHBOARD=1: events the open page received during the timed window (the poller sends one when something changed)
    ...(dashboardEvents === undefined ? {} : { dashboardEvents }),
  };
};
