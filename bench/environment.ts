import { readFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import type { Redis } from 'ioredis';
import { redisVersion } from './redis-info.js';

export interface Environment {
  date: string;
  node: string;
  redis: string;
  cpu: string;
  cores: number;
  memoryGiB: number;
  nestjsBackground: string;
  bullmq: string;
}

function packageVersion(path: string): string {
  try {
    return (JSON.parse(readFileSync(path, 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/** The machine and versions a result set was measured with (paths relative to the package root, the cwd of `npm run bench`). */
export async function describeEnvironment(probe: Redis): Promise<Environment> {
  return {
    date: new Date().toISOString(),
    node: process.version,
    redis: await redisVersion(probe),
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    nestjsBackground: packageVersion('package.json'),
    bullmq: packageVersion('node_modules/bullmq/package.json'),
  };
}
