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
 */
import { positiveInteger, readConfig } from './config.js';
import { startRedisServer } from './redis-server.js';
import { fillBacklog } from './scenarios/backlog.js';
import { countJobs } from './scenarios/job-counter.js';
import { CONCURRENCY_ON, loadSystem, type ConcurrencyOn } from './systems/system.js';

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

async function main(): Promise<void> {
  const config = readConfig();
  const jobs = positiveInteger('CALLS_JOBS', 20_000);
  const concurrency = positiveInteger('CALLS_CONCURRENCY', 50);
  const concurrencyOn = (process.env.CALLS_CONCURRENCY_ON ?? 'queue') as ConcurrencyOn;
  if (!CONCURRENCY_ON.includes(concurrencyOn)) throw new Error(`CALLS_CONCURRENCY_ON must be one of ${CONCURRENCY_ON.join(', ')}`);
  const redis = await startRedisServer();
  try {
    console.log(`Redis commands per job: ${jobs} no-op jobs from a backlog, one worker at concurrency ${concurrency}\n`);
    for (const id of config.systems) {
      await redis.reset();
      const system = await loadSystem(id, { redisPort: redis.port, namespace: `calls-${id}`, bullmqJobOptions: config.bullmqJobOptions });
      await fillBacklog(system, jobs);
      await redis.probe.config('RESETSTAT');
      const counter = countJobs(jobs);
      const worker = await system.startWorker(concurrency, counter.onJob, { concurrencyOn });
      await counter.done;
      await worker.close();
      const stats = parseCommandStats(await redis.probe.info('commandstats')).sort((a, b) => b.calls - a.calls);
      const total = stats.reduce((sum, stat) => sum + stat.calls, 0);
      console.log(`${id}: ${(total / jobs).toFixed(2)} commands/job`);
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
