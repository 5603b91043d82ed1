import { PerformanceObserver } from 'node:perf_hooks';
import { nowMs, sleep, within } from '../clock.js';
import { percentile } from '../statistics.js';
import type { NoopData } from '../systems/system.js';
import { countJobs } from './job-counter.js';
import type { ScenarioRunner } from './scenario-context.js';

/**
 * Scenario 5: producer and worker in one process (one clock). Jobs are sent open-loop at
 * `ratePerSecond`, each stamped with its enqueue time; the handler records when it starts.
 * Jobs sent during the first `warmupMs` are not counted. Garbage collections of the process are
 * recorded too: how many, how long, and how many of the slowest 1 % of measured jobs waited
 * through one (a pause between their enqueue and their start).
 */
export const enqueueToStartLatency: ScenarioRunner = async ({ params, system }) => {
  const { ratePerSecond, durationMs, warmupMs, concurrency } = params;
  const warmupJobs = Math.round((ratePerSecond * warmupMs) / 1000);
  const total = warmupJobs + Math.round((ratePerSecond * durationMs) / 1000);
  const latencies: number[] = [];
  const waits: { from: number; ms: number }[] = [];
  const counter = countJobs(total);
  const onJob = (data: NoopData) => {
    if (data.i >= warmupJobs && data.t !== undefined) {
      latencies.push(nowMs() - data.t);
      waits.push({ from: data.t, ms: latencies.at(-1)! });
    }
    counter.onJob(data);
  };
  const pauses: { at: number; ms: number }[] = [];
  const gc = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) pauses.push({ at: performance.timeOrigin + entry.startTime, ms: entry.duration });
  });
  gc.observe({ entryTypes: ['gc'] });

  const worker = await system.startWorker(concurrency, onJob);
  const producer = await system.createProducer();
  const enqueued: Promise<void>[] = [];
  const start = nowMs();
  while (enqueued.length < total) {
    const due = Math.min(total, Math.floor(((nowMs() - start) * ratePerSecond) / 1000) + 1);
    while (enqueued.length < due) enqueued.push(producer.enqueue({ i: enqueued.length, t: nowMs() }));
    await sleep(1);
  }
  await Promise.all(enqueued);
  await within(counter.done, 30_000, () => `only ${counter.count} of ${total} jobs started within 30 s of the last enqueue`);
  await producer.close();
  await worker.close();
  gc.disconnect();
  const measuredFrom = waits.length > 0 ? Math.min(...waits.map((wait) => wait.from)) : Infinity;
  const measuredPauses = pauses.filter((pause) => pause.at >= measuredFrom);
  const slowest = [...waits].sort((a, b) => a.ms - b.ms).slice(-Math.ceil(waits.length / 100));
  const slowThroughGc = slowest.filter((wait) => measuredPauses.some((pause) => pause.at + pause.ms >= wait.from && pause.at <= wait.from + wait.ms));

  return {
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    p999Ms: percentile(latencies, 99.9),
    maxMs: percentile(latencies, 100),
    meanMs: latencies.reduce((a, b) => a + b, 0) / latencies.length,
    measuredJobs: latencies.length,
    duplicateStarts: counter.duplicates,
    achievedRatePerSecond: (total * 1000) / (nowMs() - start),
    gcPauses: measuredPauses.length,
    gcMs: measuredPauses.reduce((sum, pause) => sum + pause.ms, 0),
    gcLongestMs: Math.max(0, ...measuredPauses.map((pause) => pause.ms)),
    slowestThroughGc: slowThroughGc.length / Math.max(1, slowest.length),
  };
};
