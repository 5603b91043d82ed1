import { WorkerProcess, workerProcessSuite } from './support/worker-process.js';

const MAX = 40;
const PER_MS = 500;

describe('a rate limit shared by two worker processes', () => {
  const suite = workerProcessSuite();

  it('holds the rate across both processes: every full window starts between 90% and 100% of max', async () => {
    const env = { REDIS_URL: suite.server.url, PREFIX: 'rate', CONCURRENCY: '20', RATE_MAX: String(MAX), RATE_PER_MS: String(PER_MS) };
    const workers = await Promise.all([WorkerProcess.spawn(env, 'rate.app'), WorkerProcess.spawn(env, 'rate.app')]);
    const producer = await suite.producer({ connection: suite.server.url, prefix: 'rate', workers: false });
    const jobs = await producer.jobs.enqueueMany(Array.from({ length: 6 * MAX }, (_, n) => ({ name: 'limited', data: { n } })));
    for (const { id } of jobs) await producer.jobs.waitFor(id, { timeoutMs: 15_000 });

    // the windows storage counted in, by the time it started each job
    const windows = new Map<number, number>();
    for (const { id } of jobs) {
      const window = Math.floor((await producer.jobs.getJob(id))!.startedAt!.getTime() / PER_MS);
      windows.set(window, (windows.get(window) ?? 0) + 1);
    }
    const ordered = [...windows.keys()].sort((a, b) => a - b);
    expect(ordered.length).toBeGreaterThanOrEqual(6);
    // no window went by without a start while jobs waited
    expect(ordered.at(-1)! - ordered[0]! + 1).toBe(ordered.length);
    // the first window is entered part way through, the last may be left part full
    for (const window of ordered.slice(1, -1)) {
      expect(windows.get(window)).toBeGreaterThanOrEqual(0.9 * MAX);
      expect(windows.get(window)).toBeLessThanOrEqual(MAX);
    }
    expect(Math.max(...windows.values())).toBeLessThanOrEqual(MAX);
    // both processes took part
    for (const worker of workers) expect(worker.messages.some((message) => 'start' in message)).toBe(true);
  });
});
