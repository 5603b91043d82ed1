/**
 * How soon a worker resumes after Redis restarts: a redis-server with an append-only file, one
 * worker of this library with a job due every 20 ms (delayed jobs, stored before the restart, so
 * that no producer's own reconnect is counted), and `RESTART_ROUNDS` restarts (SHUTDOWN NOSAVE,
 * `RESTART_DOWN_MS` of outage, the same server started again on the same port and file).
 * Measured each time: from Redis answering PING again to the first job starting after it.
 *
 *   npm run bench:restart                          # 5 restarts, 3 s down each
 *   RESTART_ROUNDS=10 RESTART_DOWN_MS=500 npm run bench:restart
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { nowMs, sleep } from './clock.js';
import { positiveInteger } from './config.js';
import { freePort } from './redis-server.js';
import { createNestjsBackgroundSystem } from './systems/nestjs-background.js';

const EVERY_MS = 20;

/** Starts redis-server with an fsync-always AOF in `dir`; resolves with the time it first answered PING. */
async function startServer(port: number, dir: string): Promise<{ child: ChildProcess; answeredAt: number }> {
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'yes', '--appendfsync', 'always', '--dir', dir];
  const child = spawn('redis-server', args, { stdio: ['ignore', 'ignore', 'inherit'] });
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`redis-server exited with code ${child.exitCode}`);
    if (await pong(port)) return { child, answeredAt: nowMs() };
    if (Date.now() > deadline) throw new Error('redis-server did not answer PING within 10 s');
    await sleep(5);
  }
}

/** One PING over a plain socket: true if Redis answered PONG (not LOADING, not refused) within a second. */
function pong(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    const done = (answer: boolean) => {
      socket.destroy();
      resolve(answer);
    };
    socket.setTimeout(1000, () => done(false));
    socket.on('error', () => done(false));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (data) => done(data.toString().startsWith('+PONG')));
  });
}

async function stopServer(port: number, child: ChildProcess): Promise<void> {
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const admin = new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 0, retryStrategy: () => null });
  admin.on('error', () => {});
  await admin.call('SHUTDOWN', 'NOSAVE').catch(() => undefined);
  admin.disconnect();
  await Promise.race([exited, sleep(5_000)]);
  if (child.exitCode === null) child.kill('SIGKILL');
}

function summary(values: number[]): string {
  const sorted = [...values].sort((a, b) => a - b);
  const ms = (value: number) => `${Math.round(value)} ms`;
  return `min ${ms(sorted[0]!)}, median ${ms(sorted[Math.floor(sorted.length / 2)]!)}, max ${ms(sorted.at(-1)!)}`;
}

async function main(): Promise<void> {
  const rounds = positiveInteger('RESTART_ROUNDS', 5);
  const downMs = positiveInteger('RESTART_DOWN_MS', 3000);
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'bench-restart-'));
  let server = (await startServer(port, dir)).child;
  const system = createNestjsBackgroundSystem({ redisPort: port, namespace: 'restart', bullmqJobOptions: 'matched' });
  const producer = await system.createProducer();
  let lastStart = 0;
  const worker = await system.startWorker(10, () => (lastStart = nowMs()));
  const resumed: number[] = [];
  let next = 0;
  try {
    console.log(`Redis restarts: ${rounds} x ${downMs} ms down; a job due every ${EVERY_MS} ms; PING answered -> first job started\n`);
    for (let round = 1; round <= rounds; round++) {
      // jobs due every EVERY_MS through the outage and well beyond
      const count = Math.ceil((downMs + 15_000) / EVERY_MS);
      const enqueues: Promise<void>[] = [];
      for (let k = 0; k < count; k++) enqueues.push(producer.enqueueMany([{ i: next++ }], { delayMs: k * EVERY_MS }));
      await Promise.all(enqueues);
      await sleep(1000);
      if (nowMs() - lastStart > 500) throw new Error('the worker does not run the jobs before the restart');
      await stopServer(port, server);
      await sleep(downMs);
      const restarted = await startServer(port, dir);
      server = restarted.child;
      const deadline = nowMs() + 30_000;
      while (lastStart < restarted.answeredAt && nowMs() < deadline) await sleep(2);
      if (lastStart < restarted.answeredAt) throw new Error(`round ${round}: no job started within 30 s of Redis answering again`);
      const ms = lastStart - restarted.answeredAt;
      resumed.push(ms);
      console.log(`round ${round}: ${Math.round(ms)} ms`);
      await sleep(1000);
    }
    console.log(`\nresumed after: ${summary(resumed)}`);
  } finally {
    await worker.close().catch(() => undefined);
    await producer.close().catch(() => undefined);
    await stopServer(port, server);
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
