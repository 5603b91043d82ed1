import type { NoopData } from '../systems/system.js';
import { noopBatch } from './backlog.js';
import { measureResources, throughputMeasurements } from './resource-window.js';
import type { ScenarioRunner } from './scenario-context.js';

/** Scenario 1: `inFlight` concurrent callers, each awaiting one single-job enqueue after another. */
export const enqueueSingle: ScenarioRunner = async ({ params, system, probe }) => {
  const { jobs, inFlight } = params;
  const producer = await system.createProducer();
  let next = 0;
  const caller = async () => {
    while (next < jobs) await producer.enqueue({ i: next++ });
  };
  const eventsBefore = producer.dashboardEvents?.();
  const use = await measureResources(probe, () => Promise.all(Array.from({ length: inFlight }, caller)).then(() => {}));
  // BENCH_DASHBOARD=1: events the open page received during the timed window
  const dashboard: Record<string, number> = eventsBefore === undefined ? {} : { dashboardEvents: producer.dashboardEvents!() - eventsBefore };
  const missingJobs = jobs - (await producer.countWaiting());
  await producer.close();
  return { ...throughputMeasurements(jobs, use), missingJobs, ...dashboard };
};

/** Scenario 2: one bulk enqueue of `batch` jobs at a time until `jobs` are queued. */
export const enqueueBulk: ScenarioRunner = async ({ params, system, probe }) => {
  const { jobs, batch } = params;
  const producer = await system.createProducer();
  const batches: NoopData[][] = [];
  for (let from = 0; from < jobs; from += batch) batches.push(noopBatch(from, Math.min(batch, jobs - from)));
  const use = await measureResources(probe, async () => {
    for (const items of batches) await producer.enqueueMany(items);
  });
  const missingJobs = jobs - (await producer.countWaiting());
  await producer.close();
  return { ...throughputMeasurements(jobs, use), missingJobs };
};
