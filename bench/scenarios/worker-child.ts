import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { FromWorkerProcess, ToWorkerProcess, WorkerProcessOptions } from '../worker-process.js';

const WORKER_PROCESS = fileURLToPath(new URL('../worker-process.js', import.meta.url));

/** The scenario-process side of one worker-process.ts child. */
export class WorkerChild {
  count = 0;
  firstAt = NaN;
  lastAt = NaN;
  /** With `reportStarts`: each job `i` started here -> time of its first start here. */
  readonly starts = new Map<number, number>();
  private onProgress: () => void = () => {};
  private onFailure: (error: Error) => void = () => {};
  private stopping = false;
  private readonly waiters: { type: FromWorkerProcess['type']; resolve: (m: FromWorkerProcess) => void; reject: (e: Error) => void }[] = [];

  private constructor(private readonly child: ChildProcess) {
    child.on('message', (message: FromWorkerProcess) => {
      if (message.type === 'progress') {
        Object.assign(this, { count: message.count, firstAt: message.firstAt, lastAt: message.lastAt });
        const starts = message.starts ?? [];
        for (let k = 0; k < starts.length; k += 2) if (!this.starts.has(starts[k])) this.starts.set(starts[k], starts[k + 1]);
        this.onProgress();
      } else if (message.type === 'error') {
        this.fail(new Error(`worker process ${child.pid}: ${message.message}`));
      } else {
        const index = this.waiters.findIndex((w) => w.type === message.type);
        if (index >= 0) this.waiters.splice(index, 1)[0].resolve(message);
      }
    });
    child.on('exit', (code) => {
      if (!this.stopping) this.fail(new Error(`worker process ${child.pid} exited unexpectedly (code ${code})`));
    });
  }

  /** Forks the child and waits until it has loaded its library (not yet started). */
  static async spawn(options: WorkerProcessOptions): Promise<WorkerChild> {
    const child = fork(WORKER_PROCESS, [JSON.stringify(options)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const handle = new WorkerChild(child);
    await handle.next('loaded');
    return handle;
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** Starts the worker; resolves when the child says it is consuming. */
  async start(): Promise<void> {
    this.send({ type: 'start' });
    await this.next('ready');
  }

  /** Calls `onProgress` on every progress report and `onFailure` if the child fails or dies. */
  watch(onProgress: () => void, onFailure: (error: Error) => void): void {
    this.onProgress = onProgress;
    this.onFailure = onFailure;
  }

  async cpuMs(): Promise<number> {
    this.send({ type: 'cpu' });
    const reply = await this.next('cpu');
    return reply.type === 'cpu' ? reply.cpuMs : NaN;
  }

  /** False once the child has exited or was killed by a signal. */
  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  async stop(): Promise<void> {
    if (!this.alive) return;
    this.stopping = true;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.send({ type: 'stop' });
    await this.next('stopped').catch(() => {});
    await exited;
  }

  /** SIGKILL; its exit is then expected, not a failure. */
  kill(): void {
    this.stopping = true;
    if (this.alive) this.child.kill('SIGKILL');
  }

  private send(message: ToWorkerProcess): void {
    this.child.send(message);
  }

  private next(type: FromWorkerProcess['type']): Promise<FromWorkerProcess> {
    return new Promise((resolve, reject) => this.waiters.push({ type, resolve, reject }));
  }

  private fail(error: Error): void {
    for (const waiter of this.waiters.splice(0)) waiter.reject(error);
    this.onFailure(error);
  }
}
