// The dashboard on a big queue: fills BENCH_DASHBOARD_JOBS (1,000,000) waiting jobs with
// enqueueMany in chunks, plus delayed and dead ones, then times each endpoint of the JSON API
// over HTTP and counts the Redis commands each costs (INFO commandstats before and after).
// Usage: npm run build && tsc -p bench/tsconfig.json && node dist-bench/bench/dashboard-million.js
import 'reflect-metadata';
import { Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { BackgroundModule, Job, JobsService, UnrecoverableError } from '../lib/index.js';
import { BackgroundDashboardModule } from '../lib/dashboard/index.js';
import { positiveInteger } from './config.js';
import { startRedisServer } from './redis-server.js';

const JOBS = positiveInteger('BENCH_DASHBOARD_JOBS', 1_000_000);
const CHUNK = 10_000;
const RUNS = 5;

@Injectable()
class BigJobs {
  @Job('fill', { queue: 'big' })
  fill() {}

  @Job('doomed', { queue: 'doomed', attempts: 1 })
  doomed(data: { kind: number }) {
    throw new UnrecoverableError(`failure of kind ${data.kind}`);
  }
}

async function commandCount(probe: { info(section: string): Promise<string> }): Promise<number> {
  const info = await probe.info('commandstats');
  let calls = 0;
  for (const match of info.matchAll(/calls=(\d+)/g)) calls += Number(match[1]);
  return calls;
}

async function main(): Promise<void> {
  const redis = await startRedisServer();
  @Module({
    imports: [
      BackgroundModule.forRoot({ connection: `redis://127.0.0.1:${redis.port}`, queues: { big: {}, doomed: {} } }),
      BackgroundDashboardModule.forRoot({ authorize: () => true }),
    ],
    providers: [BigJobs],
  })
  class AppModule {}
  const app = await NestFactory.create(AppModule, { logger: false });
  await app.listen(0, '127.0.0.1');
  const base = `${(await app.getUrl()).replace('[::1]', '127.0.0.1')}/jobs-dashboard/api`;
  const jobs = app.get(JobsService);
  await jobs.pause('big');
  const filling = Date.now();
  let firstId = '';
  for (let from = 0; from < JOBS; from += CHUNK) {
    const items = Array.from({ length: Math.min(CHUNK, JOBS - from) }, (_, k) => ({
      name: 'fill',
      data: { i: from + k, customer: `customer-${(from + k) % 9973}` },
      options: (from + k) % 100 === 0 ? { priority: 5 } : {},
    }));
    const ids = await jobs.enqueueMany(items);
    firstId ||= ids[0]!.id;
  }
  await jobs.enqueueMany(Array.from({ length: 10_000 }, (_, i) => ({ name: 'fill', data: { i }, options: { delayMs: 3_600_000 } })));
  const doomed = await jobs.enqueueMany(Array.from({ length: 1_000 }, (_, i) => ({ name: 'doomed', data: { kind: i % 7 } })));
  const deadline = Date.now() + 120_000;
  while ((await jobs.countDead({ queue: 'doomed' })) < doomed.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
  console.log(`filled ${JOBS} waiting, 10000 delayed, ${await jobs.countDead({ queue: 'doomed' })} dead in ${((Date.now() - filling) / 1000).toFixed(1)} s`);
  console.log(`used_memory: ${/used_memory_human:(\S+)/.exec(await redis.probe.info('memory'))?.[1]}`);

  const endpoints = [
    'overview',
    'history?queue=big&range=72h',
    'queues/big/jobs?state=waiting&limit=100',
    `queues/big/jobs?state=waiting&limit=100&cursor=${Math.floor(JOBS / 2)}`,
    `queues/big/jobs?state=waiting&limit=100&cursor=${JOBS - 50}`,
    'queues/big/jobs?state=delayed&limit=100',
    'queues/big/jobs?state=waiting&limit=50&q=customer-9972',
    `queues/big/jobs?state=waiting&q=${firstId}`,
    `jobs/${firstId}`,
    'dead-letters/groups',
    'events',
    'workers',
    'audit',
  ];
  console.log('| endpoint | median ms | max ms | Redis commands (with those inside scripts) |');
  console.log('| --- | --- | --- | --- |');
  for (const endpoint of endpoints) {
    const times: number[] = [];
    let commands = 0;
    for (let run = 0; run < RUNS; run++) {
      const before = await commandCount(redis.probe);
      const startedAt = performance.now();
      const response = await fetch(`${base}/${endpoint}`);
      await response.text();
      times.push(performance.now() - startedAt);
      if (response.status !== 200) throw new Error(`${endpoint} answered ${response.status}`);
      // the INFO call itself counts once
      commands = (await commandCount(redis.probe)) - before - 1;
    }
    times.sort((a, b) => a - b);
    console.log(`| \`GET ${endpoint.replace(firstId, ':id')}\` | ${times[Math.floor(RUNS / 2)]!.toFixed(1)} | ${times.at(-1)!.toFixed(1)} | ${commands} |`);
  }
  const streamStart = performance.now();
  const controller = new AbortController();
  const stream = await fetch(`${base}/stream?queue=big`, { signal: controller.signal });
  const reader = stream.body!.getReader();
  let text = '';
  while (!text.includes('event: jobs')) text += new TextDecoder().decode((await reader.read()).value);
  console.log(`| \`GET stream?queue=big\` (first overview and jobs events) | ${(performance.now() - streamStart).toFixed(1)} | | |`);
  controller.abort();
  await app.close();
  await redis.stop();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
