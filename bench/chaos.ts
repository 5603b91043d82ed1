/**
 * Chaos: three worker processes (concurrency 50, jobs of `CHAOS_JOB_MS`) take `CHAOS_JOBS` jobs
 * enqueued in bursts of 400 every 500 ms, while one of them is SIGKILLed `CHAOS_KILLS` times
 * (evenly over the bursts) and replaced by a new process. Measured: from the last burst until
 * no job is left waiting, delayed, active or awaiting a retry.
 *
 *   npm run bench:chaos
 */
import { nowMs, sleep } from './clock.js';
import { positiveInteger } from './config.js';
import { startRedisServer } from './redis-server.js';
import { WorkerChild } from './scenarios/worker-child.js';
import { createNestjsBackgroundSystem } from './systems/nestjs-background.js';

const BURST = 400;
const BURST_EVERY_MS = 500;
const PROCESSES = 3;

async function main(): Promise<void> {
  const jobs = positiveInteger('CHAOS_JOBS', 20_000);
  const kills = positiveInteger('CHAOS_KILLS', 10);
  const jobMs = positiveInteger('CHAOS_JOB_MS', 20);
  const redis = await startRedisServer();
  const target = { redisPort: redis.port, namespace: 'chaos', bullmqJobOptions: 'matched' as const };
  const system = createNestjsBackgroundSystem(target);
  const producer = await system.createProducer();
  const monitor = await system.createMonitor();
  const spawnWorker = async () => {
    const child = await WorkerChild.spawn({ ...target, system: 'nestjs-background', concurrency: 50, settings: { jobMs } });
    child.watch(() => {}, () => {});
    await child.start();
    return child;
  };
  const workers = await Promise.all(Array.from({ length: PROCESSES }, spawnWorker));
  try {
    const bursts = Math.ceil(jobs / BURST);
    const killEvery = Math.max(1, Math.floor(bursts / kills));
    console.log(`Chaos: ${jobs} jobs of ${jobMs} ms in bursts of ${BURST} every ${BURST_EVERY_MS} ms, ${PROCESSES} worker processes, ${kills} kills\n`);
    let killed = 0;
    const startedAt = nowMs();
    let lastBurstAt = startedAt;
    for (let burst = 0; burst < bursts; burst++) {
      await sleep(Math.max(0, startedAt + burst * BURST_EVERY_MS - nowMs()));
      const from = burst * BURST;
      const items = Array.from({ length: Math.min(BURST, jobs - from) }, (_, k) => ({ i: from + k }));
      await producer.enqueueMany(items);
      lastBurstAt = nowMs();
      if (burst % killEvery === killEvery - 1 && killed < kills) {
        // while the burst is being worked on, so that the victim holds jobs
        await sleep(100);
        const index = killed % PROCESSES;
        workers[index]!.kill();
        killed++;
        workers[index] = await spawnWorker();
      }
    }
    const deadline = lastBurstAt + 120_000;
    let counts = await monitor.counts();
    // completed jobs may be trimmed (keepCompleted): none left unsettled is the end
    while (counts.unsettled > 0 && nowMs() < deadline) {
      await sleep(20);
      counts = await monitor.counts();
    }
    const tail = nowMs() - lastBurstAt;
    console.log(`kills: ${killed}; unsettled ${counts.unsettled}, dead ${counts.failed}`);
    console.log(`last burst -> every job completed: ${Math.round(tail)} ms (bursts took ${Math.round(lastBurstAt - startedAt)} ms)`);
  } finally {
    for (const worker of workers) worker.kill();
    await producer.close();
    await monitor.close();
    await redis.stop();
  }
}

await main();
