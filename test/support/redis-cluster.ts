import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { freePort } from './redis-server.js';

/** Redis Cluster nodes talk to each other on their port + 10000. */
const BUS_PORT_OFFSET = 10_000;

/**
 * A Redis Cluster of the test's own: `masters` redis-servers on free ports, no replicas, all
 * 16384 slots assigned. Its processes are killed and its directory removed on `stop()`, when
 * starting fails half way, and when the test process exits without stopping it.
 */
export class RedisCluster {
  private readonly processes: ChildProcess[] = [];
  private readonly killOnExit = () => this.processes.forEach((child) => child.kill('SIGKILL'));

  private constructor(
    readonly ports: number[],
    private readonly dir: string,
  ) {
    process.once('exit', this.killOnExit);
  }

  static async start(masters = 3): Promise<RedisCluster> {
    const cluster = new RedisCluster(await nodePorts(masters), mkdtempSync(join(tmpdir(), 'redis-cluster-')));
    try {
      await Promise.all(cluster.ports.map((port) => cluster.startNode(port)));
      await promisify(execFile)('redis-cli', [
        '--cluster', 'create', ...cluster.ports.map((port) => `127.0.0.1:${port}`),
        '--cluster-replicas', '0', '--cluster-yes',
      ]);
      await Promise.all(cluster.ports.map(untilClusterOk));
      return cluster;
    } catch (error) {
      await cluster.stop();
      throw error;
    }
  }

  /** Where an ioredis `Cluster` starts discovering the nodes. */
  get startupNodes(): { host: string; port: number }[] {
    return [{ host: '127.0.0.1', port: this.ports[0]! }];
  }

  async stop(): Promise<void> {
    await Promise.all(
      this.processes.splice(0).map(
        (child) =>
          new Promise((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve(undefined);
            child.once('exit', resolve);
            child.kill('SIGTERM');
          }),
      ),
    );
    process.off('exit', this.killOnExit);
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async startNode(port: number): Promise<void> {
    const child = spawn(
      'redis-server',
      [
        '--cluster-enabled', 'yes',
        '--cluster-config-file', join(this.dir, `nodes-${port}.conf`),
        '--dir', this.dir,
        '--port', String(port),
        '--bind', '127.0.0.1',
        '--save', '',
        '--appendonly', 'no',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.processes.push(child);
    await new Promise<void>((resolve, reject) => {
      let output = '';
      child.stdout!.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('Ready to accept connections')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`redis-server (cluster node ${port}) exited with ${code}: ${output}`)));
    });
  }
}

/** `count` ports that are free, each with its cluster bus port free too. */
async function nodePorts(count: number): Promise<number[]> {
  const taken = new Set<number>();
  const ports: number[] = [];
  for (let tries = 0; ports.length < count; tries++) {
    if (tries > 100) throw new Error('Found no free ports for a Redis Cluster (each needs port and port + 10000).');
    const port = await freePort();
    const bus = port + BUS_PORT_OFFSET;
    if (bus > 65_535 || taken.has(port) || taken.has(bus) || !(await isFree(bus))) continue;
    taken.add(port).add(bus);
    ports.push(port);
  }
  return ports;
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** Waits until the node sees every slot served, as each node learns of the others by gossip. */
async function untilClusterOk(port: number): Promise<void> {
  const client = new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: 1 });
  try {
    const deadline = Date.now() + 10_000;
    while (!((await client.cluster('INFO')) as string).includes('cluster_state:ok')) {
      if (Date.now() > deadline) throw new Error(`Redis Cluster node ${port} did not reach cluster_state:ok within 10 s.`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  } finally {
    await client.quit();
  }
}
