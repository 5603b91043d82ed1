/**
 * A process that only runs a worker, driven over IPC by a scenario process
 * (scenario 4: several worker processes; scenario 7: idle CPU; scenario 9: kill -9 recovery).
 *
 * argv[2]: JSON WorkerProcessOptions. Parent -> child: start | cpu | stop.
 * Child -> parent: loaded | ready | progress | cpu | stopped | error.
 */
import { nowMs } from './clock.js';
import { ownCpuMs } from './process-cpu.js';
import { loadSystem, type NoopData, type RunningWorker, type SystemId, type SystemTarget, type WorkerSettings } from './systems/system.js';

export interface WorkerProcessOptions extends SystemTarget {
  system: SystemId;
  concurrency: number;
  /** Job duration and lease; absent: no-op jobs, library defaults. */
  settings?: WorkerSettings;
  /** Also report which job (`i`) started when, in `progress.starts`. */
  reportStarts?: boolean;
}

export type ToWorkerProcess = { type: 'start' } | { type: 'cpu' } | { type: 'stop' };
export type FromWorkerProcess =
  | { type: 'loaded' }
  | { type: 'ready' }
  | { type: 'progress'; count: number; firstAt: number; lastAt: number; starts?: number[] }
  | { type: 'cpu'; cpuMs: number }
  | { type: 'stopped' }
  | { type: 'error'; message: string };

/** Progress is reported at most this often, so IPC stays negligible next to the work. */
const PROGRESS_INTERVAL_MS = 5;

function send(message: FromWorkerProcess): void {
  process.send?.(message);
}

async function main(): Promise<void> {
  const options = JSON.parse(process.argv[2]) as WorkerProcessOptions;
  const system = await loadSystem(options.system, options);
  let worker: RunningWorker | undefined;
  const progress = { count: 0, firstAt: NaN, lastAt: NaN };
  /** Starts since the last report, as flat pairs: i, time. */
  let starts: number[] = [];
  let reportPending = false;
  const report = () => {
    reportPending = false;
    send({ type: 'progress', ...progress, ...(options.reportStarts ? { starts } : {}) });
    starts = [];
  };
  const onJob = (data: NoopData) => {
    const now = nowMs();
    if (progress.count++ === 0) progress.firstAt = now;
    progress.lastAt = now;
    if (options.reportStarts) starts.push(data.i, now);
    if (!reportPending) {
      reportPending = true;
      setTimeout(report, PROGRESS_INTERVAL_MS);
    }
  };

  process.on('message', async (message: ToWorkerProcess) => {
    try {
      if (message.type === 'start') {
        worker = await system.startWorker(options.concurrency, onJob, options.settings);
        send({ type: 'ready' });
      } else if (message.type === 'cpu') {
        send({ type: 'cpu', cpuMs: ownCpuMs() });
      } else if (message.type === 'stop') {
        await worker?.close();
        // Exit even if the library left a timer or socket open; closing is not what is measured.
        process.send?.({ type: 'stopped' } satisfies FromWorkerProcess, () => process.exit(0));
      }
    } catch (error) {
      send({ type: 'error', message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
      process.exit(1);
    }
  });
  send({ type: 'loaded' });
}

main().catch((error: unknown) => {
  send({ type: 'error', message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  process.exit(1);
});
