import { Cluster } from 'ioredis';
import type { BackgroundModuleOptions } from '../../lib/index.js';
import { RedisCluster } from '../support/redis-cluster.js';
import { RedisServer } from '../support/redis-server.js';

/** How the conformance suite reaches one engine. */
export interface EngineHarness {
  readonly name: 'redis' | 'redis cluster' | 'memory';
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

/**
 * A 3-master Redis Cluster, reached as users of a cluster reach it: through an ioredis `Cluster`
 * of their own, which the library duplicates and must leave open; the harness closes it.
 */
export function clusterHarness(): EngineHarness {
  let cluster: RedisCluster;
  let client: Cluster;
  return {
    name: 'redis cluster',
    setup: async () => {
      cluster = await RedisCluster.start();
      client = new Cluster(cluster.startupNodes);
      await new Promise((resolve) => client.once('ready', resolve));
    },
    teardown: async () => {
      await client?.quit();
      await cluster?.stop();
    },
    options: (extra = {}) => ({ connection: client, prefix: `conf${++prefixes}`, ...extra }),
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
