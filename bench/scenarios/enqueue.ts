import type { NoopData } from '../systems/system.js';
import { noopBatch } from './backlog.js';
import { measureResources, throughputMeasurements } from './resource-window.js';
import type { ScenarioRunner } from './scenario-context.js';

/**
 * Scenario 1: `inFlight` concurrent callers, each awaiting one single-job enqueue after another:
 * `jobs` of them from a fresh producer (its first calls, run before the JIT compiler has warmed
 * up, included), or with `durationMs`, as many as they enqueue in that time after `warmupJobs`
 * (a producer that has been running a while, as an app's is).
 */
export const enqueueSingle: ScenarioRunner = async ({ params, system, probe }) => {
  const { inFlight, durationMs, warmupJobs } = params;
  const producer = await system.createProducer();
  let next = 0;
  if (warmupJobs) {
    const warm = async () => {
      while (next < warmupJobs) await producer.enqueue({ i: next++ });
    };
    await Promise.all(Array.from({ length: inFlight }, warm));
  }
  const first = next;
  // with durationMs, the window closes that long after the callers start
  let closesAt = Number.POSITIVE_INFINITY;
  const more = () => (durationMs ? performance.now() < closesAt : next < params.jobs!);
  const caller = async () => {
    while (more()) await producer.enqueue({ i: next++ });
  };
  const eventsBefore = producer.dashboardEvents?.();
  const use = await measureResources(probe, () => {
    closesAt = performance.now() + durationMs!;
    return Promise.all(Array.from({ length: inFlight }, caller)).then(() => {});
  });
  // BENCH_DASHBOARD=1: events the open page received during the timed window
  const dashboard: Record<string, number> = eventsBefore === undefined ? {} : { dashboardEvents: producer.dashboardEvents!() - eventsBefore };
  const missingJobs = next - (await producer.countWaiting());
  await producer.close();
  return { ...throughputMeasurements(next - first, use), missingJobs, ...dashboard };
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
