import { Redis } from 'ioredis';
import type { BackgroundModuleOptions } from '../lib/index.js';

const LOCAL_REDIS = 'redis://127.0.0.1:6379';

/**
 * Where the sample keeps its jobs: Redis at REDIS_URL when it is set (the app then fails fast if it
 * cannot reach it), else a Redis answering on 127.0.0.1:6379, else the memory engine. `note` says
 * which, and how to switch, in the app's first log line.
 */
export async function chooseStorage(): Promise<{ options: BackgroundModuleOptions; note: string }> {
  const url = process.env.REDIS_URL;
  // REDIS_URL may hold a password: the log names the host only
  const host = url && URL.canParse(url) ? new URL(url).host : 'the address in REDIS_URL';
  if (url) return { options: { connection: url }, note: `Jobs are stored in Redis at ${host} (REDIS_URL).` };
  if (await answers(LOCAL_REDIS)) {
    return { options: { connection: LOCAL_REDIS }, note: `Jobs are stored in Redis at 127.0.0.1:6379 (set REDIS_URL to use another).` };
  }
  return {
    options: { storage: 'memory' },
    note: 'No Redis answers at 127.0.0.1:6379 and REDIS_URL is unset: jobs run on the memory engine (one process, lost on exit). Start Redis there, or set REDIS_URL=redis://host:port, to keep them.',
  };
}

async function answers(url: string): Promise<boolean> {
  const client = new Redis(url, { lazyConnect: true, connectTimeout: 500, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}
