import { fork, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import type { Provider } from '@nestjs/common';
import type { Redis } from 'ioredis';
import type { BackgroundModuleOptions } from '../../lib/index.js';
import { RedisServer } from './redis-server.js';
import { createTestApp, type TestApp } from './test-app.js';

/** A fixture application of test/fixtures, by file name without extension. */
const fixture = (name: string) => resolve(`dist-test/test/fixtures/${name}.js`);

/** A worker application in a child process (built by `npm run build:test`), killable at will. */
export class WorkerProcess {
  readonly started: string[] = [];
  /** Jobs whose handler was called, in that order (`started` is told once the run is on record). */
  readonly invoked: string[] = [];
  /** Every message the process sent, in order. */
  readonly messages: Record<string, unknown>[] = [];
  private readonly child: ChildProcess;
  /** Resolves with the exit code (null when killed by a signal). */
  readonly exited: Promise<number | null>;
  private startListeners: (() => void)[] = [];

  private constructor(env: Record<string, string>, app: string) {
    this.child = fork(fixture(app), [], { env: { ...process.env, ...env }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.child.on('message', (message: { started?: string; invoked?: string }) => {
      this.messages.push(message);
      if (message.invoked) this.invoked.push(message.invoked);
      if (message.started) {
        this.started.push(message.started);
        for (const listener of this.startListeners) listener();
      }
    });
    this.exited = new Promise((resolve) => this.child.once('exit', resolve));
  }

  /** Every process spawned and not yet exited, so that a failed test can kill what it left running. */
  private static readonly running = new Set<WorkerProcess>();

  /** Starts a worker process and resolves once it is ready (initialised); rejects if it exits first. */
  static async spawn(env: Record<string, string>, app = 'worker.app'): Promise<WorkerProcess> {
    const worker = WorkerProcess.launch(env, app);
    await worker.next((message) => message.ready === true);
    return worker;
  }

  /**
   * Starts a worker process without waiting for it to be ready: its claim loop starts during
   * app.init(), so it may run jobs, and die of one, before it reports ready.
   */
  static launch(env: Record<string, string>, app = 'worker.app'): WorkerProcess {
    const worker = new WorkerProcess(env, app);
    WorkerProcess.running.add(worker);
    void worker.exited.then(() => WorkerProcess.running.delete(worker));
    return worker;
  }

  /** Resolves once a job blocks the worker's event loop (`{ block: true }`), with the jobs whose handler was called until then. */
  blocking(): Promise<string[]> {
    return this.next((message) => typeof message.blocking === 'string').then(() => [...this.invoked]);
  }

  /** Resolves once the worker has started `count` jobs. */
  untilStarted(count: number): Promise<void> {
    return new Promise((resolve) => {
      const check = () => {
        if (this.started.length < count) return;
        this.startListeners = this.startListeners.filter((listener) => listener !== check);
        resolve();
      };
      this.startListeners.push(check);
      check();
    });
  }

  /** Resolves once the handler of job `id` saw its signal abort (`untilCancelled`), with when (`Date.now()` there) and why. */
  aborted(id: string): Promise<{ at: number; reason: string }> {
    return this.next((message) => message.aborted === id).then(({ at, reason }) => ({ at: at as number, reason: reason as string }));
  }

  /** Resolves with the first message, already received or still to come, that `match` accepts. */
  received(match: (message: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> {
    const seen = this.messages.find(match);
    return seen ? Promise.resolve(seen) : this.next(match);
  }

  /** Kills every worker process still running (after a test that failed half way). */
  static async killAll(): Promise<void> {
    await Promise.all([...WorkerProcess.running].map((worker) => worker.kill()));
  }

  async kill(): Promise<void> {
    this.child.kill('SIGKILL');
    await this.exited;
  }

  /** Graceful stop; resolves with how many jobs the worker finished. */
  async stop(): Promise<number> {
    const report = this.next((message) => typeof message.processed === 'number');
    this.child.kill('SIGTERM');
    const { processed } = await report;
    await this.exited;
    return processed as number;
  }

  private next(match: (message: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> {
    return new Promise((resolve, reject) => {
      const onMessage = (message: Record<string, unknown>) => {
        if (!match(message)) return;
        this.child.off('message', onMessage);
        resolve(message);
      };
      this.child.on('message', onMessage);
      this.exited.then((code) => reject(new Error(`worker process exited with ${code} before reporting`)));
    });
  }
}

/**
 * For a spec whose tests run worker processes: one Redis server for the spec, and after each
 * test every worker process killed and the test's producer closed.
 */
export function workerProcessSuite(): {
  readonly server: RedisServer;
  producer(options: BackgroundModuleOptions, providers?: Provider[]): Promise<TestApp>;
  /** A plain client for the test's own reads and writes, closed after the test, passed or failed. */
  client(): Redis;
} {
  let server: RedisServer | undefined;
  let producer: TestApp | undefined;
  // a client a failed test left open would reconnect to the stopped server for good, and jest would not exit
  const clients: Redis[] = [];
  beforeAll(async () => (server = await RedisServer.start()));
  afterEach(async () => {
    await WorkerProcess.killAll();
    await producer?.close();
    producer = undefined;
    for (const client of clients.splice(0)) client.disconnect();
  });
  afterAll(() => server?.stop());
  return {
    get server() {
      return server!;
    },
    async producer(options, providers) {
      producer = await createTestApp(options, providers);
      return producer;
    },
    client() {
      const client = server!.client();
      clients.push(client);
      return client;
    },
  };
}
