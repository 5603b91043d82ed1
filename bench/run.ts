/**
 * `npm run bench`: starts a private redis-server, runs every scenario for both libraries in
 * alternation (nestjs-background, BullMQ, nestjs-background, BullMQ, ...), each run in its own
 * Node process, and prints/writes the medians. Environment variables: see README.md.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { readConfig } from './config.js';
import { describeEnvironment } from './environment.js';
import { startRedisServer } from './redis-server.js';
import { renderConsole, renderMarkdown, summarize, type BenchResults, type RunRecord } from './report.js';
import { runInChild } from './run-in-child.js';
import { scenarioCatalogue } from './scenarios.js';

const RESULTS_DIR = 'bench/results';

function describeMeasurements(measurements: Record<string, number>, keys: string[]): string {
  return keys.map((key) => `${key}=${Number(measurements[key]?.toPrecision(4))}`).join(' ');
}

async function main(): Promise<void> {
  const config = readConfig();
  const scenarios = scenarioCatalogue(config);
  const redis = await startRedisServer();
  const stopRedis = () => void redis.stop().finally(() => process.exit(130));
  process.once('SIGINT', stopRedis);
  process.once('SIGTERM', stopRedis);

  const runs: RunRecord[] = [];
  const started = Date.now();
  try {
    const environment = await describeEnvironment(redis.probe);
    console.log(
      `Redis ${environment.redis} on port ${redis.port}; ${config.rounds} round(s)${config.quick ? ', quick mode' : ''}; ` +
        `systems: ${config.systems.join(', ')}; BullMQ job options: ${config.bullmqJobOptions}` +
        (config.dashboard ? '; BENCH_DASHBOARD=1: nestjs-background with the dashboard and one page open' : ''),
    );
    for (const scenario of scenarios) {
      const rounds = scenario.rounds ?? config.rounds;
      for (let round = 1; round <= rounds; round++) {
        for (const system of config.systems) {
          await redis.reset();
          const namespace = `bench-${scenario.id}-${round}-${system === 'bullmq' ? 'bull' : 'nb'}`;
          const record: RunRecord = { scenario: scenario.id, system, round };
          const t0 = Date.now();
          try {
            const { bullmqJobOptions, dashboard } = config;
            record.measurements = await runInChild({ scenario, system, redisPort: redis.port, namespace, bullmqJobOptions, dashboard });
          } catch (error) {
            record.error = error instanceof Error ? error.message : String(error);
          }
          runs.push(record);
          const outcome = record.measurements
            ? describeMeasurements(record.measurements, scenario.metrics.map((m) => m.key))
            : `FAILED: ${record.error?.split('\n')[0]}`;
          console.log(`  ${scenario.id} round ${round}/${rounds} ${system.padEnd(17)} ${outcome} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
        }
      }
    }

    const results: BenchResults = { environment, config, scenarios, runs, ...summarize(scenarios, config.systems, runs) };
    console.log(`\nFinished in ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
    console.log(renderConsole(results));
    mkdirSync(RESULTS_DIR, { recursive: true });
    writeFileSync(`${RESULTS_DIR}/last.md`, renderMarkdown(results));
    writeFileSync(`${RESULTS_DIR}/last.json`, `${JSON.stringify(results, null, 2)}\n`);
    console.log(`\nWrote ${RESULTS_DIR}/last.md and ${RESULTS_DIR}/last.json`);
    if (runs.some((r) => r.error)) process.exitCode = 1;
  } finally {
    await redis.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
