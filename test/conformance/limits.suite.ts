import { Injectable } from '@nestjs/common';
import { InvalidPayloadError, Job, JobFailedError, type JobContext } from '../../lib/index.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import type { EngineHarness } from './engine-harness.js';

/** A handler whose behaviour each test sets. */
@Injectable()
class BoundedJobs {
  static behaviour: (ctx: JobContext) => unknown = () => undefined;

  @Job('bounded')
  bounded(_data: unknown, ctx: JobContext) {
    return BoundedJobs.behaviour(ctx);
  }
}

const noBackoff = { backoff: { type: 'fixed' as const, delayMs: 0, jitter: false } };

/** What one job may store, however much its handler throws, logs or reports: proven on every engine. */
export function describeLimits(harness: EngineHarness): void {
  describe(`limits of a job's record: ${harness.name} engine`, () => {
    let app: TestApp;
    beforeAll(() => harness.setup());
    afterAll(() => harness.teardown());
    beforeEach(async () => (app = await createTestApp(harness.options({ defaults: { attempts: 1, ...noBackoff } }), [BoundedJobs])));
    afterEach(async () => {
      await app.close();
      BoundedJobs.behaviour = () => undefined;
    });

    it('cuts a 20 MB error message and its stack, and settles the attempt at once', async () => {
      const message = 'x'.repeat(20_000_000);
      BoundedJobs.behaviour = () => {
        throw new Error(message);
      };
      const started = performance.now();
      const { id } = await app.jobs.enqueue('bounded', {});
      await expect(app.jobs.waitFor(id, { timeoutMs: 30_000 })).rejects.toThrow(JobFailedError);
      const ms = performance.now() - started;
      // well under a second unloaded (21.7 s before errors were cut); generous for a busy machine
      expect(ms).toBeLessThan(5_000);
      const [error] = (await app.jobs.getJob(id))!.errors;
      expect(error!.message).toHaveLength(4096);
      expect(error!.message).toMatch(/^x+ … \[cut: 20000000 characters\]$/);
      // the head of the stack (its message) and its last frames, cut in between
      expect(error!.stack!.length).toBeLessThanOrEqual(8192);
      expect(error!.stack).toMatch(/^Error: x+\n {4}… \[cut: \d+ of \d+ characters\]\n[^]*limits\.suite/);
    });

    it('keeps the errors of the last 20 attempts of 150, and counts them all', async () => {
      BoundedJobs.behaviour = (ctx) => {
        throw new Error(`${ctx.attempt}:${'e'.repeat(100_000)}`);
      };
      const { id } = await app.jobs.enqueue('bounded', {}, { attempts: 150 });
      await expect(app.jobs.waitFor(id, { timeoutMs: 120_000 })).rejects.toThrow(JobFailedError);
      const job = (await app.jobs.getJob(id))!;
      expect(job).toMatchObject({ state: 'dead', attempts: 150, errorCount: 150 });
      expect(job.errors.map((error) => error.attempt)).toEqual(Array.from({ length: 20 }, (_, k) => 131 + k));
      expect(job.errors.every((error) => error.message.length === 4096)).toBe(true);
      // 20 records of at most 4 KB of message and 8 KB of stack, where 150 x 200 KB were kept before
      expect(JSON.stringify(job.errors).length).toBeLessThan(20 * 12_500);

      // a trip through the dead-letter queue counts the errors met before it, dropped ones too
      await app.jobs.pause();
      await app.jobs.redrive(id);
      expect(await app.jobs.getJob(id)).toMatchObject({ state: 'waiting', errorCount: 150, redrives: [{ errorCount: 150 }] });
    }, 180_000);

    it('cuts each log line to 2,000 characters and keeps the last 100 lines', async () => {
      BoundedJobs.behaviour = async (ctx) => {
        for (let line = 1; line <= 150; line++) await ctx.log(`${line} ${'l'.repeat(1_000_000)}`);
      };
      const { id } = await app.jobs.enqueue('bounded', {});
      await app.jobs.waitFor(id, { timeoutMs: 60_000 });
      const { logs } = (await app.jobs.getJob(id))!;
      expect(logs).toHaveLength(100);
      expect(logs[0]).toMatch(/^51 l+ … \[cut: 1000003 characters\]$/);
      expect(logs.every((line) => line.length === 2000)).toBe(true);
    });

    it('refuses a progress over 8 KB at the call, keeping the last one', async () => {
      let refused: unknown;
      BoundedJobs.behaviour = async (ctx) => {
        await ctx.progress({ done: 1, note: 'n'.repeat(8000) });
        try {
          await ctx.progress('p'.repeat(5_000_000));
        } catch (error) {
          refused = error;
        }
      };
      const { id } = await app.jobs.enqueue('bounded', {});
      await app.jobs.waitFor(id, { timeoutMs: 30_000 });
      expect(refused).toBeInstanceOf(InvalidPayloadError);
      expect((refused as Error).message).toBe(
        `ctx.progress() of job "${id}" (bounded) got a value of 5000002 bytes as JSON, over the limit of 8192 bytes; nothing was recorded. Report a small value (a percentage, counts, a stage name) and return bulky data as the job's result.`,
      );
      expect((await app.jobs.getJob(id))!.progress).toEqual({ done: 1, note: 'n'.repeat(8000) });
    });
  });
}
