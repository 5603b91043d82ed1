import { Injectable } from '@nestjs/common';
import { Job } from '../../lib/index.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import type { EngineHarness } from './engine-harness.js';

const PER_MS = 250;

/** Handlers that record when each job started. */
@Injectable()
class LimitedJobs {
  static starts: Record<string, number[]> = {};

  private record(name: string) {
    (LimitedJobs.starts[name] ??= []).push(Date.now());
  }

  @Job('limited', { rateLimit: { max: 4, perMs: PER_MS } })
  limited() {
    this.record('limited');
  }

  @Job('burst', { rateLimit: { max: 300, perMs: PER_MS } })
  burst() {
    this.record('burst');
  }

  @Job('free')
  free() {
    this.record('free');
  }

  @Job('bulk', { queue: 'slow' })
  bulk() {
    this.record('bulk');
  }
}

/** Starts per fixed window of `perMs` (storage counts in windows aligned to the epoch, by its own clock). */
function perWindow(starts: number[], perMs: number): number[] {
  const counts = new Map<number, number>();
  for (const at of starts) counts.set(Math.floor(at / perMs), (counts.get(Math.floor(at / perMs)) ?? 0) + 1);
  return [...counts.values()];
}

/** Cluster-wide rate limits, proven against every engine (one process here; see rate-limit.spec for two). */
export function describeRateLimits(harness: EngineHarness): void {
  describe(`rate limits: ${harness.name} engine`, () => {
    let app: TestApp;

    /** When storage started each job: the time its rate limit counted it at. */
    const startedAt = async (jobs: { id: string }[]) =>
      Promise.all(jobs.map(async ({ id }) => (await app.jobs.getJob(id))!.startedAt!.getTime()));

    beforeAll(() => harness.setup());
    afterAll(() => harness.teardown());
    beforeEach(async () => {
      app = await createTestApp(
        harness.options({ queues: { default: { concurrency: 10 }, slow: { concurrency: 10, rateLimit: { max: 3, perMs: PER_MS } } } }),
        [LimitedJobs],
      );
    });
    afterEach(async () => {
      await app?.close();
      LimitedJobs.starts = {};
    });

    it('starts at most `max` jobs of a name per window, keeps the rest in storage, and lets other names through', async () => {
      const limited = await app.jobs.enqueueMany(Array.from({ length: 14 }, (_, n) => ({ name: 'limited', data: { n } })));
      const { id: free } = await app.jobs.enqueue('free', {});
      await app.jobs.waitFor(free);
      // the free job did not wait for the limited backlog
      expect(LimitedJobs.starts.limited!.length).toBeLessThan(14);
      const stats = (await app.jobs.getStats()).queues.default!;
      expect(stats.active).toBeLessThanOrEqual(4);
      expect(stats.waiting).toBeGreaterThan(0);

      for (const { id } of limited) await app.jobs.waitFor(id);
      const starts = await startedAt(limited);
      expect(Math.max(...perWindow(starts, PER_MS))).toBe(4);
      // 14 jobs at 4 a window need at least 4 windows
      const windows = starts.map((at) => Math.floor(at / PER_MS));
      expect(new Set(windows).size).toBeGreaterThanOrEqual(4);
      // and they start in the order they were enqueued, window after window
      expect(windows).toEqual([...windows].sort((a, b) => a - b));
    });

    it('holds a limit on quick jobs, which the worker reserves ahead while the window has room to spare', async () => {
      const jobs = await app.jobs.enqueueMany(Array.from({ length: 1_000 }, (_, n) => ({ name: 'burst', data: { n } })));
      for (const { id } of jobs) await app.jobs.waitFor(id);
      expect(LimitedJobs.starts.burst).toHaveLength(1_000);
      // a reserved job counted in a window starts in it, and storage records its start in it
      expect(Math.max(...perWindow(await startedAt(jobs), PER_MS))).toBeLessThanOrEqual(300);
      expect(new Set((await startedAt(jobs)).map((at) => Math.floor(at / PER_MS))).size).toBeGreaterThanOrEqual(4);
    });

    it('reserves rate-limited jobs in a claim only while the window keeps half its max, and says when that window ends', async () => {
      await app.close();
      app = await createTestApp(harness.options({ workers: false }), [LimitedJobs]);
      const request = { queue: 'default', workerId: 'w1', inFlight: 0, started: [], settlements: [] };
      await app.jobs.enqueueMany(Array.from({ length: 20 }, (_, n) => ({ name: 'burst', data: { n } })));
      const roomy = await app.engine.claim({ ...request, held: 0, max: 1, reserve: 4, rateLimits: [{ jobName: 'burst', max: 300, perMs: 60_000 }] });
      expect(roomy.jobs).toHaveLength(5);
      expect(roomy.rateReserveMs).toBeGreaterThan(0);
      expect(roomy.rateReserveMs).toBeLessThanOrEqual(60_000);
      // 5 of 12 counted: one more may start, none be reserved
      const tight = await app.engine.claim({ ...request, held: 5, max: 1, reserve: 4, rateLimits: [{ jobName: 'burst', max: 12, perMs: 60_000 }] });
      expect(tight).toMatchObject({ rateReserveMs: null });
      expect(tight.jobs).toHaveLength(1);
    });

    it("holds a queue's own rate limit over every job of the queue", async () => {
      const jobs = await app.jobs.enqueueMany(Array.from({ length: 9 }, (_, n) => ({ name: 'bulk', data: { n } })));
      for (const { id } of jobs) await app.jobs.waitFor(id);
      expect(Math.max(...perWindow(await startedAt(jobs), PER_MS))).toBe(3);
      expect(LimitedJobs.starts.bulk).toHaveLength(9);
    });

    it('lets a job waiting for its window be cancelled', async () => {
      // the last of 16 waits three windows at least (4 a window, and the first may be about to end), so
      // the cancel comes before it starts on a loaded machine too
      const jobs = await app.jobs.enqueueMany(Array.from({ length: 16 }, (_, n) => ({ name: 'limited', data: { n } })));
      const last = jobs.at(-1)!.id;
      expect(await app.jobs.cancel(last)).toBe(true);
      for (const { id } of jobs.slice(0, -1)) await app.jobs.waitFor(id);
      expect((await app.jobs.getJob(last))!.state).toBe('cancelled');
      expect(LimitedJobs.starts.limited).toHaveLength(15);
    });
  });
}
