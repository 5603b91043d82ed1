/**
 * Redis commands per processed job, by command, for each library: a count that does not move
 * with the machine's noise, unlike CPU time. Fills a backlog, resets Redis' statistics, runs one
 * worker until every job has started and its worker has closed (so every settlement is in),
 * then reads `INFO commandstats`. Commands run inside Lua scripts are counted one by one, and
 * `evalsha` time includes them.
 *
 *   npm run bench:calls                      # 20,000 jobs, concurrency 50, both libraries
 *   CALLS_JOBS=5000 CALLS_CONCURRENCY=1 BENCH_ONLY=ours npm run bench:calls
 *   CALLS_CONCURRENCY_ON=handler BENCH_ONLY=ours npm run bench:calls   # @Job('noop', { concurrency })
 *   CALLS_PROFILE=/tmp/calls BENCH_ONLY=ours npm run bench:calls       # a CPU profile of the window per library
 *   CALLS_ROW=g npm run bench:calls          # the matrix's M(g) worker: @CircuitBreaker, closed; h: rate limit 1,000,000/s;
 *                                            # d: 1 KB payloads (metrics stay on, as in every bench:calls run)
 */
import { writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import { performance } from 'node:perf_hooks';
import { positiveInteger, readConfig } from './config.js';
import { redisCpuSeconds } from './redis-info.js';
import { startRedisServer } from './redis-server.js';
import { fillBacklog } from './scenarios/backlog.js';
import { countJobs } from './scenarios/job-counter.js';
import { CONCURRENCY_ON, loadSystem, type ConcurrencyOn, type WorkerSettings } from './systems/system.js';

/** `CALLS_ROW`: a matrix row's worker and payload (BullMQ has no breaker and runs plain in g). */
const ROWS: Record<string, WorkerSettings & { payloadBytes?: number }> = {
  d: { payloadBytes: 1_024 },
  g: { breaker: true },
  h: { ratePerSecond: 1_000_000 },
};

interface CommandStat {
  command: string;
  calls: number;
  usec: number;
}

function parseCommandStats(info: string): CommandStat[] {
  return info
    .split('\n')
    .filter((line) => line.startsWith('cmdstat_'))
    .map((line) => {
      const [name, rest] = line.trim().split(':') as [string, string];
      const fields = Object.fromEntries(rest.split(',').map((pair) => pair.split('=') as [string, string]));
      return { command: name.slice('cmdstat_'.length), calls: Number(fields.calls), usec: Number(fields.usec) };
    })
    .filter((stat) => !['info', 'config|resetstat'].includes(stat.command));
}

/** Profiles this process (200 µs sampling) until the returned function is called, which writes `<prefix>-<id>.cpuprofile`. */
async function startProfile(prefix: string, id: string): Promise<() => Promise<void>> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 200 });
  await session.post('Profiler.start');
  return async () => {
    const { profile } = await session.post('Profiler.stop');
    session.disconnect();
    await writeFile(`${prefix}-${id}.cpuprofile`, JSON.stringify(profile));
  };
}

async function main(): Promise<void> {
  const config = readConfig();
  const jobs = positiveInteger('CALLS_JOBS', 20_000);
  const concurrency = positiveInteger('CALLS_CONCURRENCY', 50);
  const concurrencyOn = (process.env.CALLS_CONCURRENCY_ON ?? 'queue') as ConcurrencyOn;
  if (!CONCURRENCY_ON.includes(concurrencyOn)) throw new Error(`CALLS_CONCURRENCY_ON must be one of ${CONCURRENCY_ON.join(', ')}`);
  const row = process.env.CALLS_ROW ? ROWS[process.env.CALLS_ROW] : {};
  if (!row) throw new Error(`CALLS_ROW must be one of ${Object.keys(ROWS).join(', ')}`);
  const redis = await startRedisServer();
  try {
    console.log(`Redis commands per job: ${jobs} no-op jobs from a backlog, one worker at concurrency ${concurrency}${process.env.CALLS_ROW ? `, matrix row ${process.env.CALLS_ROW}` : ''}\n`);
    for (const id of config.systems) {
      await redis.reset();
      const system = await loadSystem(id, { redisPort: redis.port, namespace: `calls-${id}`, bullmqJobOptions: config.bullmqJobOptions });
      const { payloadBytes = 0, ...settings } = row;
      await fillBacklog(system, jobs, {}, payloadBytes);
      await redis.probe.config('RESETSTAT');
      const stopProfile = process.env.CALLS_PROFILE ? await startProfile(process.env.CALLS_PROFILE, id) : null;
      const redisCpuBefore = await redisCpuSeconds(redis.probe);
      const nodeCpuBefore = process.cpuUsage();
      const startedAt = performance.now();
      const counter = countJobs(jobs);
      const worker = await system.startWorker(concurrency, counter.onJob, { concurrencyOn, ...settings });
      await counter.done;
      await worker.close();
      const nodeCpu = process.cpuUsage(nodeCpuBefore);
      const windowMs = performance.now() - startedAt;
      const redisCpu = (await redisCpuSeconds(redis.probe)) - redisCpuBefore;
      await stopProfile?.();
      const stats = parseCommandStats(await redis.probe.info('commandstats')).sort((a, b) => b.calls - a.calls);
      const total = stats.reduce((sum, stat) => sum + stat.calls, 0);
      console.log(`${id}: ${(total / jobs).toFixed(2)} commands/job`);
      // CPU of the whole window (the worker's start and close included): compare runs of the same minutes
      console.log(`  Redis CPU ${((redisCpu * 1e6) / jobs).toFixed(1)} µs/job, worker process CPU ${((nodeCpu.user + nodeCpu.system) / jobs).toFixed(1)} µs/job`);
      console.log(`  ${Math.round(windowMs)} ms, ${Math.round((jobs * 1000) / windowMs).toLocaleString('en-US')} jobs/s (start to close)`);
      for (const stat of stats.filter((s) => s.calls / jobs >= 0.005)) {
        console.log(`  ${stat.command.padEnd(18)} ${(stat.calls / jobs).toFixed(3).padStart(7)} calls/job ${(stat.usec / jobs).toFixed(2).padStart(7)} µs/job`);
      }
      console.log();
    }
  } finally {
    await redis.stop();
  }
}

await main();
