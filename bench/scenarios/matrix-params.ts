import { CONCURRENCY_ON, type JobShape, type WorkerSettings } from '../systems/system.js';

/**
 * What a scenario's numeric params ask of the jobs and the worker (the matrix rows vary these;
 * scenarios 3 and 4 set none of them): `concurrencyOn` (index into CONCURRENCY_ON), `metrics`
 * (1 on, 0 off, absent: the system's default), `payloadBytes`, `priorities` (1: three mixed),
 * `delayMs`, `failEvery`, `breaker` (1: declared), `ratePerSecond`.
 */
export interface JobsAndWorker {
  shape: JobShape;
  settings: WorkerSettings;
  /** Size of each job's filler string (0: `{ i }` only). */
  payloadBytes: number;
}

export function readJobsAndWorker(params: Record<string, number>): JobsAndWorker {
  const settings: WorkerSettings = { concurrencyOn: CONCURRENCY_ON[params.concurrencyOn ?? 0] };
  if (params.metrics !== undefined) settings.metrics = params.metrics === 1;
  if (params.failEvery) settings.failEvery = params.failEvery;
  if (params.breaker) settings.breaker = true;
  if (params.ratePerSecond) settings.ratePerSecond = params.ratePerSecond;
  const shape: JobShape = {};
  if (params.priorities) shape.threePriorities = true;
  if (params.delayMs !== undefined) shape.delayMs = params.delayMs;
  if (params.failEvery) shape.retryAtOnce = true;
  return { shape, settings, payloadBytes: params.payloadBytes ?? 0 };
}

/** Handler starts beyond one per job that the settings cause on purpose (first attempts that fail). */
export function expectedRetries(jobs: number, settings: WorkerSettings): number {
  return settings.failEvery ? Math.ceil(jobs / settings.failEvery) : 0;
}
