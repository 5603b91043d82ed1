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
  /** How many times storage ran `command` so far, inside scripts too (INFO commandstats); 0 without Redis. */
  commandCalls(command: string): Promise<number>;
}

/** Calls of one command in a node's `INFO commandstats`. */
function callsIn(info: string, command: string): number {
  const line = info.split('\n').find((entry) => entry.startsWith(`cmdstat_${command}:`));
  return line ? Number(/calls=(\d+)/.exec(line)![1]) : 0;
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
    commandCalls: async (command) => {
      const client = server.client();
      try {
        return callsIn(await client.info('commandstats'), command);
      } finally {
        await client.quit();
      }
    },
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
    commandCalls: async (command) => {
      const infos = await Promise.all(client.nodes('master').map((node) => node.info('commandstats')));
      return infos.reduce((sum, info) => sum + callsIn(info, command), 0);
    },
  };
}

export function memoryHarness(): EngineHarness {
  return {
    name: 'memory',
    setup: async () => undefined,
    teardown: async () => undefined,
    options: (extra = {}) => ({ storage: 'memory', ...extra }),
    commandCalls: async () => 0,
  };
}
