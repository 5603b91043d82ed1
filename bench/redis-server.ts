import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import type { Redis } from 'ioredis';
import { sleep } from './clock.js';
import { connectProbe } from './redis-info.js';

/** A redis-server started for the benchmark only: no persistence, its own free port. */
export interface BenchRedis {
  port: number;
  probe: Redis;
  /** Empties every database and the Lua script cache so each run starts from nothing. */
  reset(): Promise<void>;
  stop(): Promise<void>;
}

/** A port nothing listens on now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

async function waitForPing(probe: Redis, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`redis-server exited with code ${child.exitCode}`);
    try {
      if ((await probe.ping()) === 'PONG') return;
    } catch {
      // not accepting connections yet
    }
    if (Date.now() > deadline) throw new Error('redis-server did not answer PING within 10 s');
    await sleep(50);
  }
}

export async function startRedisServer(binary = process.env.BENCH_REDIS_SERVER ?? 'redis-server'): Promise<BenchRedis> {
  const port = await freePort();
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', tmpdir()];
  const child = spawn(binary, args, { stdio: ['ignore', 'ignore', 'inherit'] });
  const spawned = new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', reject);
  });
  await spawned;
  const probe = connectProbe(port);
  probe.on('error', () => {}); // retried by waitForPing; later failures surface as rejected commands
  await waitForPing(probe, child);

  return {
    port,
    probe,
    async reset() {
      await probe.flushall();
      await probe.script('FLUSH');
    },
    async stop() {
      probe.disconnect();
      if (child.exitCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      await Promise.race([exited, sleep(5_000)]);
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}
