import { Injectable } from '@nestjs/common';
import { DeadLetterService, Job, UnrecoverableError, type JobContext, type JobInfo } from '../../lib/index.js';
import { createTestApp, eventually, type TestApp } from '../support/test-app.js';
import type { EngineHarness } from './engine-harness.js';

/** Fails every job whose payload says so: `{ fail: 'message' }` throws, `{ fatal: true }` is unrecoverable. */
@Injectable()
class DeadLetterJobs {
  static ran: string[] = [];
  /** The dependency is fixed: every job succeeds, whatever its payload says. */
  static healed = false;

  private run(data: { fail?: string; fatal?: boolean }, ctx: JobContext) {
    DeadLetterJobs.ran.push(ctx.id);
    if (DeadLetterJobs.healed) return { ok: ctx.attempt };
    if (data.fatal) throw new UnrecoverableError('bad recipient');
    if (data.fail) throw new Error(data.fail);
    return { ok: ctx.attempt };
  }

  @Job('mail')
  mail(data: { fail?: string }, ctx: JobContext) {
    return this.run(data, ctx);
  }

  @Job('report')
  report(data: { fail?: string; fatal?: boolean }, ctx: JobContext) {
    return this.run(data, ctx);
  }

  @Job('sms', { queue: 'second' })
  sms(data: { fail?: string }, ctx: JobContext) {
    return this.run(data, ctx);
  }
}

/** The dead-letter queue API, proven against every engine. */
export function describeDeadLetters(harness: EngineHarness): void {
  describe(`dead-letter queue: ${harness.name} engine`, () => {
    let app: TestApp;
    const open = async (extra = {}) =>
      (app = await createTestApp(harness.options({ defaults: { attempts: 2, backoff: { type: 'fixed', delayMs: 5, jitter: false } }, ...extra }), [DeadLetterJobs]));

    beforeAll(() => harness.setup());
    afterAll(() => harness.teardown());
    afterEach(async () => {
      await app?.close();
      DeadLetterJobs.ran = [];
      DeadLetterJobs.healed = false;
    });

    /** Enqueues one job and waits until it has settled, dead or not. */
    async function settle(name: string, data: object): Promise<string> {
      const { id } = await app.jobs.enqueue(name, data);
      await app.jobs.waitFor(id).catch(() => undefined);
      return id;
    }

    it('lists dead jobs newest first, with why each died and every attempt of each', async () => {
      await open();
      const first = await settle('mail', { fail: 'smtp down' });
      await settle('mail', {});
      const second = await settle('report', { fatal: true });
      const third = await settle('sms', { fail: 'no credit' });

      const dead = await app.jobs.listDead();
      expect(dead.map((job) => job.id)).toEqual([third, second, first]);
      expect(dead.map((job) => [job.name, job.queue, job.deadReason, job.attempts])).toEqual([
        ['sms', 'second', 'attempts exhausted', 2],
        ['report', 'default', 'unrecoverable', 1],
        ['mail', 'default', 'attempts exhausted', 2],
      ]);
      const errors = dead[2]!.errors;
      expect(errors.map((error) => [error.attempt, error.message])).toEqual([
        [1, 'smtp down'],
        [2, 'smtp down'],
      ]);
      for (const error of errors) {
        expect(error.stack).toContain('smtp down');
        expect(typeof error.at).toBe('number');
        expect(error.worker).toEqual(expect.any(String));
      }
      expect(dead[2]!.data).toEqual({ fail: 'smtp down' });
      expect(await app.jobs.countDead()).toBe(3);
    });

    it('filters by job name and queue, and pages with limit and offset', async () => {
      await open();
      const mails = [];
      for (let i = 0; i < 5; i++) mails.push(await settle('mail', { fail: `mail ${i}` }));
      const report = await settle('report', { fail: 'report' });
      const sms = await settle('sms', { fail: 'sms' });

      expect((await app.jobs.listDead({ name: 'mail' })).map((job) => job.id)).toEqual([...mails].reverse());
      expect((await app.jobs.listDead({ name: 'mail', limit: 2, offset: 1 })).map((job) => job.id)).toEqual([mails[3], mails[2]]);
      expect((await app.jobs.listDead({ queue: 'second' })).map((job) => job.id)).toEqual([sms]);
      expect((await app.jobs.listDead({ queue: 'default', limit: 2 })).map((job) => job.id)).toEqual([report, mails[4]]);
      // across queues, paged as one list
      expect((await app.jobs.listDead({ limit: 3, offset: 1 })).map((job) => job.id)).toEqual([report, mails[4], mails[3]]);
      expect(await app.jobs.listDead({ name: 'mail', offset: 5 })).toEqual([]);
      expect(await app.jobs.countDead({ name: 'mail' })).toBe(5);
      expect(await app.jobs.countDead({ queue: 'default' })).toBe(6);
      expect(await app.jobs.countDead({ name: 'sms', queue: 'default' })).toBe(0);
      expect(await app.app.get(DeadLetterService).count({ name: { name: 'report' } })).toBe(1);
    });

    it('redrives one dead job: same id, fresh attempts, its history kept and marked', async () => {
      await open();
      const id = await settle('report', { fatal: true });
      expect(await app.jobs.redrive(id)).toBe(true);
      // it fails for good again at once (unrecoverable): a second trip is recorded the same way
      await expect(app.jobs.waitFor(id)).rejects.toThrow('bad recipient');
      let job = (await app.jobs.getJob(id))!;
      expect(job).toMatchObject({ state: 'dead', attempts: 1, deadReason: 'unrecoverable' });
      expect(job.errors.map((error) => error.attempt)).toEqual([1, 1]);
      expect(job.redrives).toEqual([{ at: expect.any(Date), deadReason: 'unrecoverable', errorCount: 1 }]);

      const mail = await settle('mail', { fail: 'down' });
      expect(await app.jobs.redrive(mail)).toBe(true);
      await expect(app.jobs.waitFor(mail)).rejects.toThrow('down');
      job = (await app.jobs.getJob(mail))!;
      expect(job.attempts).toBe(2);
      expect(job.errors.map((error) => error.attempt)).toEqual([1, 2, 1, 2]);
      expect(job.redrives).toEqual([{ at: expect.any(Date), deadReason: 'attempts exhausted', errorCount: 2 }]);
      expect(DeadLetterJobs.ran.filter((ran) => ran === mail)).toHaveLength(4);
      // not dead (any more), or no such job: nothing happens
      expect(await app.jobs.redrive((await settle('mail', {})))).toBe(false);
      expect(await app.jobs.redrive('no-such-job')).toBe(false);
    });

    it('redrives a job that then completes, and leaves the dead-letter queue for it', async () => {
      await open({ deadLetter: { maxSize: 100 } });
      const id = await settle('mail', { fail: 'down' });
      expect(await app.jobs.countDead()).toBe(1);
      DeadLetterJobs.healed = true;
      expect(await app.jobs.redrive(id)).toBe(true);
      expect(await app.jobs.waitFor(id)).toEqual({ ok: 1 });
      expect(await app.jobs.countDead()).toBe(0);
      expect(await app.jobs.listDead()).toEqual([]);
      expect(await app.jobs.getJob(id)).toMatchObject({ state: 'completed', attempts: 1, deadReason: undefined });
    });

    it('redrives and purges by filter, leaving the other dead jobs as they are', async () => {
      await open();
      const mails = [await settle('mail', { fail: 'a' }), await settle('mail', { fail: 'b' })];
      const reports = [await settle('report', { fail: 'c' }), await settle('report', { fail: 'd' })];
      const sms = await settle('sms', { fail: 'e' });

      expect(await app.jobs.redrive({ name: 'mail' })).toBe(2);
      for (const id of mails) await expect(app.jobs.waitFor(id)).rejects.toThrow();
      expect((await app.jobs.getJob(mails[0]!))!.redrives).toHaveLength(1);
      expect((await app.jobs.getJob(reports[0]!))!.redrives).toHaveLength(0);

      expect(await app.jobs.purgeDead({ queue: 'second' })).toBe(1);
      expect(await app.jobs.getJob(sms)).toBeNull();
      expect(await app.jobs.purgeDead(reports[0]!)).toBe(true);
      expect(await app.jobs.purgeDead(reports[0]!)).toBe(false);
      expect((await app.jobs.listDead()).map((job) => job.id).sort()).toEqual([...mails, reports[1]].sort());
      expect(await app.jobs.purgeDead()).toBe(3);
      expect(await app.jobs.countDead()).toBe(0);
      expect((await app.jobs.getStats()).queues.default?.dead).toBe(0);
    });

    it('redrives by filter each job dead when it was called, once and oldest first, also when they die again meanwhile', async () => {
      await open({ defaults: { attempts: 1 }, queues: { default: { concurrency: 20 } } });
      const count = 1200;
      const enqueued = await app.jobs.enqueueMany(Array.from({ length: count }, (_, n) => ({ name: 'mail', data: { fail: `f${n}` } })));
      await eventually('every job dead', async () => (await app.jobs.countDead()) === count, 30_000);
      DeadLetterJobs.ran = [];
      // the dependency is still down: each redriven job dies again at once, while the call still runs
      expect(await app.jobs.redrive({ name: 'mail' })).toBe(count);
      await eventually('every job dead again', async () => (await app.jobs.countDead()) === count, 30_000);
      const trips = (await app.jobs.listDead({ name: 'mail', limit: 1000 })).map((job) => job.redrives.length);
      expect(Math.max(...trips)).toBe(1);
      expect(DeadLetterJobs.ran).toHaveLength(count);
      // oldest first: the first to run again were among the first to die
      const order = new Map(enqueued.map(({ id }, index) => [id, index]));
      expect(Math.max(...DeadLetterJobs.ran.slice(0, 10).map((id) => order.get(id)!))).toBeLessThan(100);
    });

    it('trims the dead-letter queue by size, oldest first, in every index', async () => {
      await open({ deadLetter: { maxSize: 3 } });
      const ids = [];
      for (const name of ['mail', 'report', 'mail', 'report', 'mail']) ids.push(await settle(name, { fail: name }));
      expect((await app.jobs.listDead()).map((job) => job.id)).toEqual([ids[4], ids[3], ids[2]]);
      expect(await app.jobs.countDead({ name: 'mail' })).toBe(2);
      expect((await app.jobs.listDead({ name: 'report' })).map((job) => job.id)).toEqual([ids[3]]);
      expect(await app.jobs.getJob(ids[0]!)).toBeNull();
    });

    it('trims dead jobs older than maxAgeMs, oldest first', async () => {
      await open({ deadLetter: { maxAgeMs: 300 } });
      const old = [await settle('mail', { fail: 'old' }), await settle('report', { fail: 'old' })];
      const oldest = (await app.jobs.getJob(old[1]!))!.finishedAt!.getTime();
      // a later death trims what is older than 300 ms by then
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, oldest + 350 - Date.now())));
      const fresh = await settle('mail', { fail: 'new' });
      expect((await app.jobs.listDead()).map((job: JobInfo) => job.id)).toEqual([fresh]);
      expect(await app.jobs.countDead({ name: 'report' })).toBe(0);
      for (const id of old) expect(await app.jobs.getJob(id)).toBeNull();
    });

    if (harness.name !== 'memory') {
      it('lists a page of a deep dead-letter queue by one range read and one read per job on it, not a scan', async () => {
        await open({ defaults: { attempts: 1 }, queues: { default: { concurrency: 20 } } });
        const ids = [];
        for (let i = 0; i < 20; i++) ids.push((await app.jobs.enqueueMany(Array.from({ length: 25 }, () => ({ name: 'mail', data: { fail: 'x' } })))).map((r) => r.id));
        for (const id of ids.flat()) await app.jobs.waitFor(id).catch(() => undefined);
        expect(await app.jobs.countDead()).toBe(500);
        const counted = ['zrevrangebylex', 'eval', 'evalsha', 'hget', 'zrange', 'scan', 'keys'];
        const before = await Promise.all(counted.map((c) => harness.commandCalls(c)));
        const page = await app.jobs.listDead({ queue: 'default', name: 'mail', limit: 50, offset: 200 });
        const after = await Promise.all(counted.map((c) => harness.commandCalls(c)));
        expect(page).toHaveLength(50);
        const [ranges, evals, evalshas, ...rest] = after.map((calls, i) => calls - before[i]!);
        // one range read of the name's index, then one script reading the 50 jobs (a job, its state,
        // errors and log: four lookups each)
        expect([ranges, evals! + evalshas!, ...rest]).toEqual([1, 1, 200, 0, 0, 0]);
      });
    }
  });
}
