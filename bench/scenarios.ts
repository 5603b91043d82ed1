import type { BenchConfig } from './config.js';

export type ScenarioKind = 'enqueue-single' | 'enqueue-bulk' | 'process' | 'process-two-workers' | 'latency' | 'memory' | 'idle-cpu' | 'kill-recovery';

/** One number a scenario reports, shown as one row of the results table. */
export interface MetricSpec {
  key: string;
  label: string;
  unit: string;
  better: 'higher' | 'lower';
}

export interface ScenarioSpec {
  id: string;
  kind: ScenarioKind;
  params: Record<string, number>;
  metrics: MetricSpec[];
  /** Overrides BENCH_ROUNDS (the idle-CPU run is long and stable, so it runs once). */
  rounds?: number;
  timeoutMs: number;
  /** Selects the scenario with its group's name in BENCH_SCENARIOS; `matrix` rows also get a table of their own. */
  group?: 'matrix';
}

const throughput = (label: string): MetricSpec => ({ key: 'jobsPerSecond', label, unit: 'jobs/s', better: 'higher' });
const redisCpu = (label: string): MetricSpec => ({ key: 'redisCpuUsPerJob', label: `${label}: Redis CPU`, unit: 'µs/job', better: 'lower' });

/**
 * Scenario 9 with `leaseMs` 0 (each library's defaults) or one value for both. Runs once: the
 * figure is set by timers (lease, stalled check), not by CPU, so rounds add little but time.
 */
function killRecovery(id: string, settingsLabel: string, leaseMs: number): ScenarioSpec {
  return {
    id,
    kind: 'kill-recovery',
    params: { held: 10, backlog: 20, jobMs: 2_000, survivorConcurrency: 50, leaseMs, killAfterMs: 300, recoveryTimeoutMs: 150_000 },
    metrics: [
      {
        key: 'recoveryMs',
        label: `9. kill -9 of a worker running 10 jobs, until all restart elsewhere: ${settingsLabel}`,
        unit: 'ms',
        better: 'lower',
      },
    ],
    rounds: 1,
    timeoutMs: 240_000,
  };
}

const commands = (label: string): MetricSpec => ({ key: 'redisCommandsPerJob', label: `${label}: Redis commands`, unit: 'cmds/job', better: 'lower' });

/**
 * Issue 19's matrix: what users write, each row beside BullMQ's closest equivalent. Every row is a
 * backlog of no-op jobs processed by one worker at concurrency 50 (the queue's, unless the row says
 * otherwise), metrics off on both sides unless the row turns them on; the clock stops when no job
 * is waiting, delayed, active or awaiting a retry.
 */
function matrix(jobs: number): ScenarioSpec[] {
  const row = (id: string, label: string, params: Record<string, number>, kind: ScenarioKind = 'process'): ScenarioSpec => ({
    id: `matrix-${id}`,
    kind,
    params: { jobs, concurrency: 50, metrics: 0, ...params },
    metrics: [throughput(label), commands(label), redisCpu(label)],
    timeoutMs: 300_000,
    group: 'matrix',
  });
  return [
    row('job-c50', 'M(a) @Job concurrency 50 (queue unset)', { concurrencyOn: 1 }),
    row('queue-c50', 'M(b) queue concurrency 50', {}),
    row('metrics', 'M(c) metrics on (Prometheus vs BullMQ metrics)', { metrics: 1 }),
    row('payload-1k', 'M(d) 1 KB payloads', { payloadBytes: 1_024 }),
    row('priorities', 'M(e) three priorities mixed', { priorities: 1 }),
    row('retry-5pc', 'M(f) 5 % fail once, retried at once', { failEvery: 20 }),
    row('breaker', 'M(g) @CircuitBreaker closed (BullMQ: none)', { breaker: 1 }),
    row('rate-limit', 'M(h) rate limit 1,000,000/s (far above)', { ratePerSecond: 1_000_000 }),
    row('3-processes', 'M(i) three worker processes x c=50', { processes: 3 }, 'process-two-workers'),
    row('delayed', 'M(j) delayed jobs, all due', { delayMs: 1 }),
    row('c1', 'M(k) concurrency 1', { concurrency: 1, jobs: Math.round(jobs / 2) }),
    row('c200', 'M(k) concurrency 200', { concurrency: 200 }),
  ];
}

function processing(id: string, label: string, kind: ScenarioKind, params: Record<string, number>): ScenarioSpec {
  return { id, kind, params, metrics: [throughput(label), redisCpu(label)], timeoutMs: 300_000 };
}

/** The scenarios in the order they run; counts shrink with BENCH_QUICK=1. */
export function scenarioCatalogue(config: BenchConfig): ScenarioSpec[] {
  const n = (full: number, quick: number) => (config.quick ? quick : full);
  const all: ScenarioSpec[] = [
    {
      id: 'enqueue',
      kind: 'enqueue-single',
      params: { jobs: n(20_000, 2_000), inFlight: 100 },
      metrics: [throughput('1. enqueue one at a time, 100 in flight')],
      timeoutMs: 300_000,
    },
    {
      // the same calls, timed for a while after 20,000 of them: what a producer that runs for hours sees
      id: 'enqueue-steady',
      kind: 'enqueue-single',
      params: { durationMs: n(3_000, 500), warmupJobs: n(20_000, 2_000), inFlight: 100 },
      metrics: [throughput('1b. enqueue one at a time, 100 in flight, for 3 s after 20,000')],
      timeoutMs: 300_000,
    },
    {
      id: 'enqueue-bulk',
      kind: 'enqueue-bulk',
      params: { jobs: n(50_000, 5_000), batch: 1_000 },
      metrics: [throughput('2. bulk enqueue, batches of 1000')],
      timeoutMs: 300_000,
    },
    processing('process-c1', '3. process backlog, c=1', 'process', { jobs: n(10_000, 1_000), concurrency: 1 }),
    processing('process-c10', '3. process backlog, c=10', 'process', { jobs: n(30_000, 3_000), concurrency: 10 }),
    processing('process-c50', '3. process backlog, c=50', 'process', { jobs: n(30_000, 3_000), concurrency: 50 }),
    // the same, with nestjs-background's concurrency on `@Job` (queue left at its default of 10), then on both
    processing('process-c50-job', '3. process backlog, c=50 on @Job', 'process', { jobs: n(30_000, 3_000), concurrency: 50, concurrencyOn: 1 }),
    processing('process-c50-both', '3. process backlog, c=50 on @Job and queue', 'process', { jobs: n(30_000, 3_000), concurrency: 50, concurrencyOn: 2 }),
    processing('process-c200', '3. process backlog, c=200', 'process', { jobs: n(30_000, 3_000), concurrency: 200 }),
    processing('process-2x50', '4. process backlog, 2 processes x c=50', 'process-two-workers', {
      jobs: n(30_000, 3_000),
      concurrency: 50,
      processes: 2,
    }),
    {
      id: 'latency',
      kind: 'latency',
      params: { ratePerSecond: n(1_000, 500), durationMs: n(3_000, 1_000), warmupMs: n(500, 200), concurrency: 10 },
      metrics: [
        { key: 'p50Ms', label: '5. enqueue-to-start latency p50 (1000/s, c=10)', unit: 'ms', better: 'lower' },
        { key: 'p99Ms', label: '5. enqueue-to-start latency p99 (1000/s, c=10)', unit: 'ms', better: 'lower' },
      ],
      timeoutMs: 120_000,
    },
    {
      id: 'memory',
      kind: 'memory',
      params: { jobs: n(10_000, 2_000), batch: 1_000 },
      metrics: [{ key: 'bytesPerJob', label: '6. Redis memory per waiting job', unit: 'bytes', better: 'lower' }],
      timeoutMs: 120_000,
    },
    {
      id: 'idle-cpu',
      kind: 'idle-cpu',
      params: { startupMs: n(30_000, 2_000), idleMs: n(10_000, 2_000), concurrency: 10 },
      metrics: [
        { key: 'workerCpuMs', label: `7. idle worker CPU, ${n(10, 2)} s steady (c=10)`, unit: 'ms', better: 'lower' },
        { key: 'redisCpuMs', label: `7. Redis CPU during those ${n(10, 2)} s`, unit: 'ms', better: 'lower' },
        { key: 'workerCpuMsStartup', label: `7. idle worker CPU, first ${n(30, 2)} s after ready`, unit: 'ms', better: 'lower' },
      ],
      rounds: 1,
      timeoutMs: 180_000,
    },
    killRecovery('kill-recovery-5s', 'leaseMs 5 s vs lockDuration = stalledInterval = 5 s', 5_000),
    killRecovery('kill-recovery', 'defaults, leaseMs 30 s vs lockDuration 30 s, stalledInterval 30 s', 0),
    ...matrix(n(30_000, 3_000)),
  ];
  if (config.scenarioFilter.length === 0) return all;
  const selects = (s: ScenarioSpec, id: string) => s.id === id || s.group === id;
  const unknown = config.scenarioFilter.filter((id) => !all.some((s) => selects(s, id)));
  if (unknown.length) throw new Error(`BENCH_SCENARIOS: unknown id(s) ${unknown.join(', ')}; known: matrix, ${all.map((s) => s.id).join(', ')}`);
  return all.filter((s) => config.scenarioFilter.some((id) => selects(s, id)));
}
