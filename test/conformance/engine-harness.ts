import type { BackgroundModuleOptions } from '../../lib/index.js';
import { RedisServer } from '../support/redis-server.js';

/** How the conformance suite reaches one engine. */
export interface EngineHarness {
  readonly name: 'redis' | 'memory';
  setup(): Promise<void>;
  teardown(): Promise<void>;
  /** Options for a fresh, empty set of queues (a new Redis prefix), merged with `extra`. */
  options(extra?: BackgroundModuleOptions): BackgroundModuleOptions;
}

let prefixes = 0;

export function redisHarness(): EngineHarness {
  let server: RedisServer;
  return {
    name: 'redis',
    setup: async () => {
      server = await RedisServer.start();
    },
    teardown: () => server.stop(),
    options: (extra = {}) => ({ connection: server.url, prefix: `conf${++prefixes}`, ...extra }),
  };
}

export function memoryHarness(): EngineHarness {
  return {
    name: 'memory',
    setup: async () => undefined,
    teardown: async () => undefined,
    options: (extra = {}) => ({ storage: 'memory', ...extra }),
  };
}
