import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';

/** A redis-server of the test's own, on a free port, that the test may stop, kill and restart. */
export class RedisServer {
  private process: ChildProcess | null = null;

  private constructor(
    readonly port: number,
    /** With an append-only file, fsynced on every write: a restart after SIGKILL keeps every acknowledged write. */
    private readonly aofDir: string | null,
    /** The password of the default user (`requirepass`), if it needs one. */
    readonly password?: string,
  ) {}

  static async start(options: { aof?: boolean; requirepass?: string } = {}): Promise<RedisServer> {
    const aofDir = options.aof ? mkdtempSync(join(tmpdir(), 'bg-aof-')) : null;
    const server = new RedisServer(await freePort(), aofDir, options.requirepass);
    await server.start();
    return server;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const persistence = this.aofDir ? ['--appendonly', 'yes', '--appendfsync', 'always', '--dir', this.aofDir] : ['--appendonly', 'no'];
    const auth = this.password === undefined ? [] : ['--requirepass', this.password];
    const child = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', ...persistence, ...auth], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.process = child;
    await new Promise<void>((resolve, reject) => {
      let output = '';
      child.stdout!.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('Ready to accept connections')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`redis-server exited with ${code}: ${output}`)));
    });
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const child = this.process;
    if (!child || child.exitCode !== null) return;
    this.process = null;
    await new Promise((resolve) => {
      child.once('exit', resolve);
      child.kill(signal);
      // a paused server takes no signal but SIGKILL until it runs again
      child.kill('SIGCONT');
    });
  }

  /** Stops the server for good and removes its append-only file, if it has one. */
  async destroy(): Promise<void> {
    await this.stop('SIGKILL');
    if (this.aofDir) rmSync(this.aofDir, { recursive: true, force: true });
  }

  /** Freezes the server (SIGSTOP): connections stay open, nothing is answered, as with a hung Redis. */
  pause(): void {
    this.process?.kill('SIGSTOP');
  }

  resume(): void {
    this.process?.kill('SIGCONT');
  }

  /** A plain client for the test's own assertions; the caller quits it. */
  client(): Redis {
    return new Redis(this.url, { lazyConnect: false, maxRetriesPerRequest: 1, password: this.password });
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
