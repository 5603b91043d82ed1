import { Injectable } from '@nestjs/common';
import { Job, JobFailedError, Retry, UnrecoverableError, WaitTimeoutError, type JobContext } from '../../lib/index.js';
import { createTestApp, deferred, eventually, type TestApp } from '../support/test-app.js';
import type { ClaimRequest, ClaimResponse } from '../../lib/engine/storage-engine.interface.js';
import type { EngineHarness } from './engine-harness.js';

type Behaviour = (data: any, ctx: JobContext) => unknown;

/** Handlers whose behaviour each test sets. */
@Injectable()
class ConformanceJobs {
  static behaviour: Behaviour = () => undefined;

  @Job('task')
  task(data: unknown, ctx: JobContext) {
    return ConformanceJobs.behaviour(data, ctx);
  }

  @Job('solo', { concurrency: 1 })
  solo(data: unknown, ctx: JobContext) {
    return ConformanceJobs.behaviour(data, ctx);
  }

  static backoffCalls: [number, string][] = [];

  @Job('retried')
  @Retry({
    attempts: 4,
    backoff: (attempt, error) => {
      ConformanceJobs.backoffCalls.push([attempt, error.message]);
      return 40 * attempt;
    },
    retryIf: (error) => error.message !== 'fatal',
  })
  retried(data: unknown, ctx: JobContext) {
    return ConformanceJobs.behaviour(data, ctx);
  }

  @Job('capped', { attempts: 2 })
  @Retry({ attempts: 5 })
  capped(data: unknown, ctx: JobContext) {
    return ConformanceJobs.behaviour(data, ctx);
  }
}

const fastRetries = { attempts: 3, backoff: { type: 'fixed' as const, delayMs: 10, jitter: false } };

/** One behaviour, proven against every engine. */
export function describeConformance(harness: EngineHarness): void {
  describe(`conformance: ${harness.name} engine`, () => {
    let app: TestApp;
    const open = async (extra = {}) => (app = await createTestApp(harness.options(extra), [ConformanceJobs]));

    beforeAll(() => harness.setup());
    afterAll(() => harness.teardown());
    afterEach(async () => {
      await app?.close();
      ConformanceJobs.behaviour = () => undefined;
    });

    /** One round trip of a worker the test plays itself (a crashed one, or one that goes silent). */
    function claimAs(workerId: string, request: Omit<ClaimRequest, 'queue' | 'workerId' | 'held' | 'inFlight'> & { held?: number }) {
      return app.engine.claim({ queue: 'default', workerId, held: 0, inFlight: 0, ...request });
    }

    async function runPaused(enqueue: () => Promise<string[]>): Promise<unknown[]> {
      const seen: unknown[] = [];
      ConformanceJobs.behaviour = (data) => void seen.push(data);
      await app.jobs.pause();
      const ids = await enqueue();
      await app.jobs.resume();
      for (const id of ids) await app.jobs.waitFor(id);
      return seen;
    }

    it('runs higher priorities first', async () => {
      await open({ queues: { default: { concurrency: 1 } } });
      const seen = await runPaused(async () => {
        const ids = [];
        for (const priority of ['low', 'normal', 'high', 500, -500] as const) {
          ids.push((await app.jobs.enqueue('task', priority, { priority })).id);
        }
        return ids;
      });
      expect(seen).toEqual([500, 'high', 'normal', 'low', -500]);
    });

    it('starts a job of higher priority before more than `concurrency` further jobs of the reserve', async () => {
      await open({ queues: { default: { concurrency: 1 } } });
      const started: string[] = [];
      const slowing = deferred();
      // the first jobs are instant, which teaches the worker to reserve far ahead; then every
      // job takes 20 ms, and the reserve is full of them
      ConformanceJobs.behaviour = async (data: string) => {
        started.push(data);
        if (started.length < 300) return;
        // a few slow ones in, the worker has stopped reserving more
        if (started.length === 305) slowing.resolve();
        await new Promise((resolve) => setTimeout(resolve, 20));
      };
      await app.jobs.enqueueMany(Array.from({ length: 1000 }, () => ({ name: 'task', data: 'low' })));
      await slowing.promise;
      const high = await app.jobs.enqueue('task', 'high', { priority: 'high' });
      const before = started.length;
      await app.jobs.waitFor(high.id);
      expect(started.slice(before, started.indexOf('high')).length).toBeLessThanOrEqual(1);
      await app.jobs.pause();
    });

    it('keeps FIFO order within one priority', async () => {
      await open({ queues: { default: { concurrency: 1 } } });
      const seen = await runPaused(async () => {
        const ids = [];
        for (let i = 0; i < 30; i++) ids.push((await app.jobs.enqueue('task', i)).id);
        return ids;
      });
      expect(seen).toEqual([...Array(30).keys()]);
    });

    it('settles the last jobs of each burst at once, not at the next lease renewal', async () => {
      // a lease far beyond the test's timeout: a finished job left unreported would show here
      await open({ leaseMs: 600_000, queues: { default: { concurrency: 2 } } });
      for (let burst = 0; burst < 10; burst++) {
        const ids = (await app.jobs.enqueueMany(Array.from({ length: 300 }, (_, i) => ({ name: 'task', data: i })))).map((job) => job.id);
        for (const id of ids) await app.jobs.waitFor(id, { timeoutMs: 20_000 });
        const states = await Promise.all(ids.map(async (id) => (await app.jobs.getJob(id))?.state));
        expect(new Set(states)).toEqual(new Set(['completed']));
      }
    });

    it('runs a delayed job no earlier than due, and others meanwhile', async () => {
      await open();
      const started = new Map<string, number>();
      ConformanceJobs.behaviour = (data) => void started.set(data, Date.now());
      const enqueuedAt = Date.now();
      const late = await app.jobs.enqueue('task', 'late', { delayMs: 300 });
      const now = await app.jobs.enqueue('task', 'now');
      expect((await app.jobs.getJob(late.id))?.state).toBe('delayed');
      await app.jobs.waitFor(now.id);
      await app.jobs.waitFor(late.id);
      expect(started.get('late')! - enqueuedAt).toBeGreaterThanOrEqual(300);
      expect(started.get('now')!).toBeLessThan(started.get('late')!);
    });

    it('makes enqueue idempotent with jobId', async () => {
      await open();
      const calls: unknown[] = [];
      ConformanceJobs.behaviour = (data) => void calls.push(data);
      const first = await app.jobs.enqueue('task', { n: 1 }, { jobId: 'order-42' });
      const second = await app.jobs.enqueue('task', { n: 2 }, { jobId: 'order-42' });
      expect(second).toEqual(first);
      expect(first.id).toBe('order-42');
      await app.jobs.waitFor(first.id);
      const [third] = await app.jobs.enqueueMany([{ name: 'task', data: { n: 3 }, options: { jobId: 'order-42' } }]);
      expect(third).toEqual(first);
      expect(calls).toEqual([{ n: 1 }]);
      expect((await app.jobs.getJob(first.id))?.data).toEqual({ n: 1 });
    });

    it('stores what enqueue is given as given: multi-byte texts, long payloads, extreme priorities and timeouts', async () => {
      await open({ workers: false });
      const long = JSON.stringify({ text: 'ü😀'.repeat(200) });
      const jobs = [
        { id: 'é-✓-😀-\u{10ffff}', name: 'tâche', data: long, priority: -1000, maxAttempts: 7, timeoutMs: 3_000_000_000, trace: '{"k":"ÿ"}' },
        { id: 'top', name: 'task', data: '{"n":-1.5}', priority: 1000, maxAttempts: 1, timeoutMs: 2_147_483_647, trace: '' },
        { id: 'plain', name: 'task', data: '""', priority: 0, maxAttempts: 100, timeoutMs: 0, trace: undefined },
      ];
      await app.engine.enqueue(jobs.map((job) => ({ ...job, queue: 'default', delayMs: 0 })));
      const { jobs: claimed } = await claimAs('w-fields', { max: 3, reserve: 0, started: [], settlements: [] });
      expect(claimed.map(({ id, name, data, priority, maxAttempts, timeoutMs, trace }) => ({ id, name, data, priority, maxAttempts, timeoutMs, trace }))).toEqual(
        [jobs[1]!, jobs[2]!, jobs[0]!].map((job) => ({ ...job, trace: job.trace || undefined })),
      );
    });

    it('claims payloads of every size class whole: 0 to 300,000 bytes, each side of a string-length boundary', async () => {
      await open({ workers: false });
      // data of n bytes: a JSON string of n - 2 bytes, every other one ending in a 2-byte character
      const sizes = [2, 31, 32, 33, 255, 256, 257, 65_535, 65_536, 65_537, 300_000];
      const base = { name: 'task', queue: 'default', priority: 0, maxAttempts: 1, timeoutMs: 0, delayMs: 0 };
      const jobs = sizes.map((size, index) => ({ ...base, id: `size-${size}`, data: JSON.stringify(index % 2 ? 'x'.repeat(size - 4) + 'é' : 'x'.repeat(size - 2)) }));
      await app.engine.enqueue(jobs);
      const { jobs: claimed } = await claimAs('w-sizes', { max: sizes.length, reserve: 0, started: [], settlements: [] });
      expect(claimed.map(({ id, data }) => ({ id, data }))).toEqual(jobs.map(({ id, data }) => ({ id, data })));
    });

    it('hands a job its stored trace context at claim, and reports the oldest runnable job in a snapshot', async () => {
      await open({ workers: false });
      const carrier = JSON.stringify({ traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' });
      const base = { name: 'task', queue: 'default', data: '{}', priority: 0, maxAttempts: 1, timeoutMs: 0 };
      expect(await app.engine.snapshot('default')).toEqual({ counts: expect.objectContaining({ waiting: 0 }), oldestWaitingMs: null });
      await app.engine.enqueue([
        { ...base, id: 'traced', delayMs: 0, trace: carrier },
        { ...base, id: 'untraced', delayMs: 0 },
        { ...base, id: 'later', delayMs: 60_000 },
      ]);
      const snapshot = await app.engine.snapshot('default');
      expect(snapshot.counts).toMatchObject({ waiting: 2, delayed: 1 });
      expect(snapshot.oldestWaitingMs).toBeGreaterThanOrEqual(0);
      expect(snapshot.oldestWaitingMs).toBeLessThan(5000);
      const { jobs } = await claimAs('w-trace', { max: 2, reserve: 0, started: [], settlements: [] });
      expect(jobs.map((job) => [job.id, job.trace])).toEqual([
        ['traced', carrier],
        ['untraced', undefined],
      ]);
      // the delayed job is not runnable yet: nothing waits
      expect((await app.engine.snapshot('default')).oldestWaitingMs).toBeNull();
    });

    it('retries a failing job, then moves it to the dead-letter state with every error', async () => {
      await open({ defaults: fastRetries });
      const attempts: number[] = [];
      ConformanceJobs.behaviour = (_data, ctx) => {
        attempts.push(ctx.attempt);
        throw new Error(`boom ${ctx.attempt}`);
      };
      const { id } = await app.jobs.enqueue('task', {});
      await expect(app.jobs.waitFor(id)).rejects.toThrow(new JobFailedError(`Job "${id}" (task) failed for good: boom 3`));
      const job = await app.jobs.getJob(id);
      expect(job).toMatchObject({ state: 'dead', deadReason: 'attempts exhausted' });
      expect(attempts).toEqual([1, 2, 3]);
      // every attempt's error says which worker ran it
      expect(job?.errors.every((error) => typeof error.worker === 'string' && error.worker.length > 0)).toBe(true);
      expect(job?.errors.map((e) => [e.attempt, e.message])).toEqual([
        [1, 'boom 1'],
        [2, 'boom 2'],
        [3, 'boom 3'],
      ]);
      expect((await app.jobs.getStats()).queues.default).toMatchObject({ dead: 1, failed: 0, waiting: 0, active: 0 });
    });

    it('succeeds on a retry and keeps the earlier error', async () => {
      await open({ defaults: fastRetries });
      ConformanceJobs.behaviour = (_data, ctx) => {
        if (ctx.attempt === 1) throw new Error('flaky');
        return { ok: ctx.attempt };
      };
      const { id } = await app.jobs.enqueue('task', {});
      await expect(app.jobs.waitFor(id)).resolves.toEqual({ ok: 2 });
      const job = await app.jobs.getJob(id);
      expect(job).toMatchObject({ state: 'completed', attempts: 2, result: { ok: 2 } });
      expect(job?.errors.map((e) => e.message)).toEqual(['flaky']);
    });

    it('retries as @Retry says: its attempts, its backoff between them, only errors it deems worth it', async () => {
      await open();
      ConformanceJobs.backoffCalls = [];
      const startedAt: number[] = [];
      ConformanceJobs.behaviour = (_data, ctx) => {
        startedAt.push(Date.now());
        if (ctx.attempt < 3) throw new Error(`flaky ${ctx.attempt}`);
        return { ok: ctx.attempt };
      };
      const { id } = await app.jobs.enqueue('retried', {});
      await expect(app.jobs.waitFor(id)).resolves.toEqual({ ok: 3 });
      expect(ConformanceJobs.backoffCalls).toEqual([
        [1, 'flaky 1'],
        [2, 'flaky 2'],
      ]);
      // each retry waited in storage at least the delay the function gave (40, then 80 ms)
      expect(startedAt[1]! - startedAt[0]!).toBeGreaterThanOrEqual(40);
      expect(startedAt[2]! - startedAt[1]!).toBeGreaterThanOrEqual(80);
      expect(await app.jobs.getJob(id)).toMatchObject({ state: 'completed', attempts: 3, maxAttempts: 4 });
    });

    it('sends a job to the dead-letter queue after the attempt whose error retryIf refuses', async () => {
      await open();
      ConformanceJobs.behaviour = () => {
        throw new Error('fatal');
      };
      const { id } = await app.jobs.enqueue('retried', {});
      await expect(app.jobs.waitFor(id)).rejects.toThrow('fatal');
      expect(await app.jobs.getJob(id)).toMatchObject({ state: 'dead', attempts: 1, maxAttempts: 4, deadReason: 'retryIf' });
    });

    it('takes attempts from enqueue, then @Job, then @Retry, then the module defaults', async () => {
      await open({ workers: false, defaults: { attempts: 3 } });
      const maxAttempts = async (name: string, options = {}) => (await app.jobs.getJob((await app.jobs.enqueue(name, {}, options)).id))?.maxAttempts;
      expect(await maxAttempts('capped', { attempts: 7 })).toBe(7);
      expect(await maxAttempts('capped')).toBe(2);
      expect(await maxAttempts('retried')).toBe(4);
      expect(await maxAttempts('task')).toBe(3);
    });

    it('skips the remaining attempts on UnrecoverableError', async () => {
      await open({ defaults: fastRetries });
      ConformanceJobs.behaviour = () => {
        throw new UnrecoverableError('bad card');
      };
      const { id } = await app.jobs.enqueue('task', {});
      await expect(app.jobs.waitFor(id)).rejects.toThrow('bad card');
      expect(await app.jobs.getJob(id)).toMatchObject({ state: 'dead', attempts: 1, deadReason: 'unrecoverable' });
    });

    it('gives a job whose worker stopped renewing its lease to another worker', async () => {
      await open({ leaseMs: 300, queues: { default: { concurrency: 1 } } });
      // the app's only slot is busy, so the job below goes to the ghost and not to this worker
      const blockerStarted = deferred();
      const unblock = deferred();
      ConformanceJobs.behaviour = (data) => {
        if (data !== 'blocker') return 'recovered';
        blockerStarted.resolve();
        return unblock.promise;
      };
      await app.jobs.enqueue('task', 'blocker');
      await blockerStarted.promise;
      const { id } = await app.jobs.enqueue('task', 'stalled');
      // a worker that claims the job and then goes silent, as a crashed process would
      const ghost = await claimAs('ghost', { max: 1, reserve: 0, started: [], settlements: [] });
      expect(ghost.jobs.map((job) => job.id)).toEqual([id]);
      expect((await app.jobs.getJob(id))?.state).toBe('active');
      unblock.resolve();
      await expect(app.jobs.waitFor(id, { timeoutMs: 5000 })).resolves.toBe('recovered');
      expect(await app.jobs.getJob(id)).toMatchObject({ stalls: 1, attempts: 1, state: 'completed' });
      // the ghost's late report is void: the job belongs to the worker that ran it
      await claimAs('ghost', {
        max: 0,
        reserve: 0,
        started: [],
        settlements: [{ id, outcome: 'completed', result: '"ghost"' }],
      });
      expect((await app.jobs.getJob(id))?.result).toBe('recovered');
    });

    it('moves a job that stalls more than maxStalls times to the dead-letter state', async () => {
      await open({ leaseMs: 150, maxStalls: 0, workers: false });
      const { id } = await app.jobs.enqueue('task', 'x');
      await claimAs('ghost', { max: 1, reserve: 0, started: [], settlements: [] });
      // once the lease runs out, any worker's next round trip finds the job stalled
      await eventually('the stalled job to be reaped', async () => {
        await claimAs('reaper', { max: 0, reserve: 0, started: [], settlements: [] });
        return (await app.jobs.getJob(id))?.state === 'dead';
      });
      const job = await app.jobs.getJob(id);
      expect(job).toMatchObject({ state: 'dead', deadReason: 'stalled too often' });
      expect(job?.errors.map((e) => [e.name, e.worker])).toEqual([['StalledError', 'ghost']]);
      expect(job?.errors[0]?.message).toContain('stopped renewing its lease 1 times');
    });

    it('returns reserved jobs of a dead worker without counting a stall, and counts the ones it started', async () => {
      await open({ leaseMs: 150, workers: false });
      const ids: string[] = [];
      for (const n of [1, 2, 3, 4]) ids.push((await app.jobs.enqueue('task', n)).id);
      // a worker starts one job, reserves three, starts the first reserved one and dies
      const ghost = await claimAs('ghost', { max: 1, reserve: 3, started: [], settlements: [] });
      expect(ghost.jobs.map((job) => [job.id, job.attempt])).toEqual(ids.map((id) => [id, 1]));
      // reserved jobs have not reached a handler: they show as waiting, with no attempt used
      expect((await app.jobs.getStats()).queues.default).toMatchObject({ waiting: 3, active: 1 });
      await claimAs('ghost', { max: 0, reserve: 0, started: [ids[1]!], settlements: [] });
      const before = await Promise.all(ids.map((id) => app.jobs.getJob(id)));
      expect(before.map((job) => [job?.state, job?.attempts])).toEqual([
        ['active', 1],
        ['active', 1],
        ['waiting', 0],
        ['waiting', 0],
      ]);
      expect((await app.jobs.getStats()).queues.default).toMatchObject({ waiting: 2, active: 2 });

      let rescued: string[] = [];
      await eventually('the dead worker to be reaped', async () => {
        const claim = await claimAs('rescuer', { max: 4, reserve: 0, started: [], settlements: [] });
        rescued = claim.jobs.map((job) => job.id);
        return rescued.length > 0;
      });
      expect([...rescued].sort()).toEqual([...ids].sort());
      const jobs = await Promise.all(ids.map((id) => app.jobs.getJob(id)));
      expect(jobs.map((job) => [job?.stalls, job?.attempts])).toEqual([
        [1, 1],
        [1, 1],
        [0, 1],
        [0, 1],
      ]);
    });

    it('claims a job reserved by a worker that died only to start, and counts a stall when that worker dies too', async () => {
      // a poison job: it kills whichever process starts it, reserved or not
      await open({ leaseMs: 150, maxStalls: 1, workers: false });
      const { id } = await app.jobs.enqueue('task', 'poison');
      await claimAs('first', { max: 0, reserve: 1, started: [], settlements: [] });
      // the first worker died before it could report the start. Once its lease has lapsed and it
      // is reaped, the job may not be reserved again (it would hop from worker to worker
      // uncounted), only started
      await new Promise((resolve) => setTimeout(resolve, 300));
      await claimAs('reaper', { max: 0, reserve: 0, started: [], settlements: [] });
      expect(await app.jobs.getJob(id)).toMatchObject({ state: 'waiting', stalls: 0, attempts: 0 });
      expect((await claimAs('reserver', { max: 0, reserve: 5, started: [], settlements: [] })).jobs).toEqual([]);
      const second = await claimAs('second', { max: 1, reserve: 0, started: [], settlements: [] });
      expect(second.jobs.map((job) => [job.id, job.attempt])).toEqual([[id, 1]]);
      // the second worker dies too: both deaths count, which is over maxStalls
      await eventually('the poison job to be dead', async () => {
        await claimAs('reaper', { max: 0, reserve: 0, started: [], settlements: [] });
        return (await app.jobs.getJob(id))?.state === 'dead';
      });
      const job = await app.jobs.getJob(id);
      expect(job).toMatchObject({ state: 'dead', stalls: 2 });
      expect(job?.errors.map((e) => e.name)).toEqual(['StalledError']);
    });

    it('claims a job that stalled only to start, so that a death with it reserved counts too', async () => {
      await open({ leaseMs: 150, maxStalls: 1, workers: false });
      const { id } = await app.jobs.enqueue('task', 'poison');
      await claimAs('first', { max: 1, reserve: 0, started: [], settlements: [] });
      await new Promise((resolve) => setTimeout(resolve, 300));
      await claimAs('reaper', { max: 0, reserve: 0, started: [], settlements: [] });
      expect(await app.jobs.getJob(id)).toMatchObject({ state: 'waiting', stalls: 1 });
      // reserved, its next death would be only a suspicion: a poison job would kill one more
      // process than maxStalls allows (faults.spec's poison test, 1 run in 4 under load)
      expect((await claimAs('reserver', { max: 0, reserve: 5, started: [], settlements: [] })).jobs).toEqual([]);
      expect((await claimAs('second', { max: 1, reserve: 0, started: [], settlements: [] })).jobs.map((job) => job.id)).toEqual([id]);
      await eventually('the job to be dead', async () => {
        await claimAs('reaper', { max: 0, reserve: 0, started: [], settlements: [] });
        return (await app.jobs.getJob(id))?.state === 'dead';
      });
      expect(await app.jobs.getJob(id)).toMatchObject({ state: 'dead', stalls: 2 });
    });

    it('hands back jobs claimed by a call whose reply never reached the worker', async () => {
      await open({ workers: false });
      const ids: string[] = [];
      for (const n of [1, 2, 3]) ids.push((await app.jobs.enqueue('task', n)).id);
      // the reply of this claim is lost: the worker believes it holds nothing
      await claimAs('w', { max: 2, reserve: 1, started: [], settlements: [] });
      const next = await claimAs('w', { max: 0, reserve: 0, started: [], settlements: [] });
      expect(next.reconcile).toBe(true);
      await expect(app.engine.heartbeat('default', 'w', [])).resolves.toEqual({ gone: [] });
      const jobs = await Promise.all(ids.map((id) => app.jobs.getJob(id)));
      expect(jobs.map((job) => [job?.state, job?.attempts])).toEqual([
        ['waiting', 0],
        ['waiting', 0],
        ['waiting', 0],
      ]);
      // back at the front of the queue (in no particular order among themselves)
      await app.jobs.enqueue('task', 4);
      const again = await claimAs('w', { max: 3, reserve: 0, started: [], settlements: [] });
      expect(again.jobs.map((job) => job.id).sort()).toEqual([...ids].sort());
    });

    it('tells a worker whose jobs went to others, however long it was away, which jobs it lost', async () => {
      await open({ leaseMs: 100, workers: false });
      const { id } = await app.jobs.enqueue('task', 'x');
      await claimAs('sleeper', { max: 1, reserve: 0, started: [], settlements: [] });
      await eventually('the sleeper to be reaped', async () => {
        const claim = await claimAs('other', { max: 1, reserve: 0, started: [], settlements: [] });
        return claim.jobs.length === 1;
      });
      // fifteen leases later the news is still there
      await new Promise((resolve) => setTimeout(resolve, 1500));
      const back = await claimAs('sleeper', { max: 0, reserve: 0, started: [], settlements: [], held: 1 });
      expect(back.reconcile).toBe(true);
      await expect(app.engine.heartbeat('default', 'sleeper', [id])).resolves.toEqual({ gone: [{ id, cancelled: false }] });
    });

    it('keeps other jobs flowing while a handler is at its own concurrency limit', async () => {
      await open({ queues: { default: { concurrency: 10 } } });
      const gate = deferred();
      const soloStarted = deferred();
      ConformanceJobs.behaviour = async (data) => {
        if (data === 'solo') {
          soloStarted.resolve();
          await gate.promise;
        }
        return data;
      };
      await app.jobs.pause();
      const solos = await app.jobs.enqueueMany(Array.from({ length: 40 }, () => ({ name: 'solo', data: 'solo' })));
      const other = await app.jobs.enqueue('task', 'other');
      await app.jobs.resume();
      await soloStarted.promise;
      // the first solo job still runs: the other job did not wait for it
      await expect(app.jobs.waitFor(other.id, { timeoutMs: 5000 })).resolves.toBe('other');
      const states = await Promise.all(solos.map(async ({ id }) => (await app.jobs.getJob(id))!));
      expect(states.filter((job) => job.state === 'active')).toHaveLength(1);
      // jobs not handed to a handler yet are waiting and have used no attempt
      expect(states.filter((job) => job.state === 'waiting' && job.attempts === 0)).toHaveLength(39);
      gate.resolve();
      for (const { id } of solos) await app.jobs.waitFor(id);
    });

    it('finds and cancels a job enqueued to a queue no worker serves', async () => {
      await open();
      const { id } = await app.jobs.enqueue('task', 'x', { queue: 'adhoc' });
      expect(await app.jobs.getJob(id)).toMatchObject({ state: 'waiting', queue: 'adhoc' });
      await expect(app.jobs.cancel(id)).resolves.toBe(true);
      expect(await app.jobs.getJob(id)).toMatchObject({ state: 'cancelled' });
    });

    it('cancels a reserved job: it never runs, and its worker hears of it', async () => {
      await open({ workers: false });
      const ids: string[] = [];
      for (const n of [1, 2]) ids.push((await app.jobs.enqueue('task', n)).id);
      await claimAs('w', { max: 1, reserve: 1, started: [], settlements: [] });
      await expect(app.jobs.cancel(ids[1]!)).resolves.toBe(true);
      expect(await app.jobs.getJob(ids[1]!)).toMatchObject({ state: 'cancelled', attempts: 0 });
      // the worker still counts it as its own until it hears: no doubt about its lease arises
      const next = await claimAs('w', { max: 0, reserve: 0, started: [ids[1]!], settlements: [], held: 2 });
      expect(next).toMatchObject({ cancelled: [ids[1]], reconcile: false });
      expect(await app.jobs.getJob(ids[1]!)).toMatchObject({ state: 'cancelled', attempts: 0 });
    });

    it("does not renew a dead worker's lease when one of its jobs is cancelled", async () => {
      await open({ leaseMs: 300, workers: false });
      const first = await app.jobs.enqueue('task', 1);
      const second = await app.jobs.enqueue('task', 2);
      await claimAs('ghost', { max: 2, reserve: 0, started: [], settlements: [] });
      // the lease runs out at most 300 ms after the claim came back (read then: a loaded machine may
      // take long to send it); a renewal by the cancel would hold it to 300 ms after the cancel
      const claimedAt = Date.now();
      await new Promise((resolve) => setTimeout(resolve, 200));
      await app.jobs.cancel(first.id);
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, claimedAt + 350 - Date.now())));
      // the claim that finds the lease expired hands the jobs back (the Redis engine with a script
      // of its own, given the dead worker's keys, before that claim returns): the next one has it
      let rescued = (await claimAs('rescuer', { max: 1, reserve: 0, started: [], settlements: [] })).jobs;
      if (rescued.length === 0) rescued = (await claimAs('rescuer', { max: 1, reserve: 0, started: [], settlements: [] })).jobs;
      expect(rescued.map((job) => job.id)).toEqual([second.id]);
    });

    it("hands a dead worker's job back ahead of one that fell due since, to a worker that was waiting on its lease", async () => {
      await open({ leaseMs: 300, workers: false });
      const held = await app.jobs.enqueue('task', 'held');
      await claimAs('ghost', { max: 1, reserve: 0, started: [], settlements: [] });
      const due = await app.jobs.enqueue('task', 'due', { delayMs: 350 });
      // an idle worker's claim: it learns when the ghost's lease ends, and sleeps until then
      const idle = await claimAs('rescuer', { max: 1, reserve: 0, started: [], settlements: [] });
      expect(idle.jobs).toEqual([]);
      await new Promise((resolve) => setTimeout(resolve, 450));
      const rescued = await claimAs('rescuer', { max: 1, reserve: 0, started: [], settlements: [], held: 0 });
      expect(rescued.jobs.map((job) => job.id)).toEqual([held.id]);
      const next = await claimAs('rescuer', { max: 1, reserve: 0, started: [], settlements: [], held: 1 });
      expect(next.jobs.map((job) => job.id)).toEqual([due.id]);
    });

    it('hands back all a leaving worker still holds, also what it never heard of', async () => {
      await open({ workers: false });
      const ids: string[] = [];
      for (const n of [1, 2, 3]) ids.push((await app.jobs.enqueue('task', n)).id);
      // the answer to this claim comes after the worker stopped waiting for it
      await claimAs('w', { max: 1, reserve: 2, started: [], settlements: [] });
      await claimAs('w', { max: 0, reserve: 0, started: [], settlements: [], release: [], leaving: true });
      const jobs = await Promise.all(ids.map((id) => app.jobs.getJob(id)));
      expect(jobs.map((job) => [job?.state, job?.attempts, job?.stalls])).toEqual([
        ['waiting', 0, 0],
        ['waiting', 0, 0],
        ['waiting', 0, 0],
      ]);
      expect((await app.jobs.getStats()).queues.default).toMatchObject({ waiting: 3, active: 0 });
    });

    it('hands reserved jobs back on release without counting an attempt', async () => {
      await open({ workers: false });
      const ids: string[] = [];
      for (const n of [1, 2]) ids.push((await app.jobs.enqueue('task', n)).id);
      await claimAs('w', { max: 1, reserve: 1, started: [], settlements: [] });
      await claimAs('w', { max: 0, reserve: 0, started: [], settlements: [], release: ids });
      const jobs = await Promise.all(ids.map((id) => app.jobs.getJob(id)));
      expect(jobs.map((job) => [job?.state, job?.attempts])).toEqual([
        ['waiting', 0],
        ['waiting', 0],
      ]);
    });

    it('cancels a waiting job so that it never runs', async () => {
      await open({ queues: { default: { concurrency: 1 } } });
      const seen: unknown[] = [];
      ConformanceJobs.behaviour = (data) => void seen.push(data);
      await app.jobs.pause();
      const doomed = await app.jobs.enqueue('task', 'doomed');
      const delayed = await app.jobs.enqueue('task', 'delayed', { delayMs: 100 });
      const kept = await app.jobs.enqueue('task', 'kept');
      await expect(app.jobs.cancel(doomed.id)).resolves.toBe(true);
      await expect(app.jobs.cancel(delayed.id)).resolves.toBe(true);
      await app.jobs.resume();
      await app.jobs.waitFor(kept.id);
      await expect(app.jobs.waitFor(doomed.id)).rejects.toThrow(`Job "${doomed.id}" was cancelled.`);
      expect(seen).toEqual(['kept']);
      expect((await app.jobs.getStats()).queues.default).toMatchObject({ cancelled: 2, waiting: 0, delayed: 0 });
      await expect(app.jobs.cancel(kept.id)).resolves.toBe(false);
    });

    it('cancels an active job by aborting its signal', async () => {
      await open({ leaseMs: 300 });
      const started = deferred();
      const aborted = deferred<string>();
      ConformanceJobs.behaviour = (_data, ctx) =>
        new Promise((_resolve, reject) => {
          ctx.signal.addEventListener('abort', () => {
            aborted.resolve((ctx.signal.reason as Error).message);
            reject(ctx.signal.reason);
          });
          started.resolve();
        });
      const { id } = await app.jobs.enqueue('task', {});
      await started.promise;
      await expect(app.jobs.cancel(id)).resolves.toBe(true);
      await expect(aborted.promise).resolves.toBe(`Job "${id}" was cancelled.`);
      expect(await app.jobs.getJob(id)).toMatchObject({ state: 'cancelled', errors: [] });
      expect((await app.jobs.getStats()).queues.default).toMatchObject({ active: 0, cancelled: 1 });
    });

    it('aborts the signal of a cancelled job at once, not at the next lease renewal, and discards what its handler returns late', async () => {
      // renewals every 10 s, and a worker with its one slot taken makes no round trip until then:
      // only the cancel's own notice can reach the handler in time
      await open({ leaseMs: 30_000, queues: { default: { concurrency: 1 } } });
      const started = deferred();
      const aborted = deferred<string>();
      const late = deferred();
      ConformanceJobs.behaviour = async (data, ctx) => {
        if (data !== 'ignores its signal') return data;
        ctx.signal.addEventListener('abort', () => aborted.resolve((ctx.signal.reason as Error).message));
        started.resolve();
        await aborted.promise;
        // the handler carries on regardless, and finishes
        setImmediate(late.resolve);
        return 'late result';
      };
      // what storage answers the worker, to see that the cancel it was told of twice troubles nothing
      const answers: ClaimResponse[] = [];
      const claim = app.engine.claim.bind(app.engine);
      app.engine.claim = (request) => claim(request).then((answer) => (answers.push(answer), answer));
      const { id } = await app.jobs.enqueue('task', 'ignores its signal');
      await started.promise;
      const cancelledAt = performance.now();
      await expect(app.jobs.cancel(id)).resolves.toBe(true);
      await expect(aborted.promise).resolves.toBe(`Job "${id}" was cancelled.`);
      expect(performance.now() - cancelledAt).toBeLessThan(1000);
      await late.promise;
      // a job after it settles through the same worker: a late report would have gone with it
      const next = await app.jobs.enqueue('task', 'next');
      await expect(app.jobs.waitFor(next.id)).resolves.toBe('next');
      const job = await app.jobs.getJob(id);
      expect(job).toMatchObject({ state: 'cancelled', errors: [], attempts: 1 });
      expect(job?.result).toBeUndefined();
      expect((await app.jobs.getStats()).queues.default).toMatchObject({ active: 0, cancelled: 1, completed: 1 });
      // storage said it again at the next claim, and the worker still agreed with it on what it held
      expect(answers.filter((answer) => answer.cancelled.includes(id))).toHaveLength(1);
      expect(answers.filter((answer) => answer.reconcile)).toEqual([]);
    });

    it('tells the worker holding a job of its cancel at once, whether it runs or is reserved, and again at its next call', async () => {
      await open({ workers: false });
      const heard: string[] = [];
      const told = [deferred(), deferred()];
      const watch = app.engine.watchCancels('default', 'w', (id) => {
        heard.push(id);
        told[heard.length - 1]?.resolve();
      });
      const others = app.engine.watchCancels('default', 'other', (id) => heard.push(`other heard ${id}`));
      await Promise.all([watch.listening, others.listening]);
      const ids: string[] = [];
      for (const n of [1, 2]) ids.push((await app.jobs.enqueue('task', n)).id);
      await claimAs('w', { max: 1, reserve: 1, started: [], settlements: [] });
      await expect(app.jobs.cancel(ids[0]!)).resolves.toBe(true);
      await told[0]!.promise;
      await expect(app.jobs.cancel(ids[1]!)).resolves.toBe(true);
      await told[1]!.promise;
      expect(heard).toEqual(ids);
      // the worker forgot both when told, yet counts them as held until storage says so itself
      const next = await claimAs('w', { max: 0, reserve: 0, started: [], settlements: [], held: 2 });
      expect(next).toMatchObject({ cancelled: expect.arrayContaining(ids), reconcile: false });
      const after = await claimAs('w', { max: 0, reserve: 0, started: [], settlements: [], held: 0 });
      expect(after).toMatchObject({ cancelled: [], reconcile: false });
      watch.stop();
      others.stop();
      expect((await app.jobs.getStats()).queues.default).toMatchObject({ active: 0, waiting: 0, cancelled: 2 });
    });

    it('on shutdown, lets short jobs finish and hands long ones back at once', async () => {
      const options = harness.options({ shutdownTimeoutMs: 200, queues: { default: { concurrency: 2 } } });
      app = await createTestApp(options, [ConformanceJobs]);
      const bothStarted = deferred();
      let running = 0;
      let abortReason = '';
      ConformanceJobs.behaviour = (data: string, ctx) =>
        new Promise((resolve) => {
          if (++running === 2) bothStarted.resolve();
          if (data === 'short') setTimeout(() => resolve('done'), 50);
          ctx.signal.addEventListener('abort', () => (abortReason = (ctx.signal.reason as Error).message));
        });
      await app.jobs.pause();
      const long = await app.jobs.enqueue('task', 'long');
      const short = await app.jobs.enqueue('task', 'short');
      await app.jobs.resume();
      await bothStarted.promise;
      const engine = app.engine;
      const closing = Date.now();
      await app.close();
      expect(Date.now() - closing).toBeLessThan(2000);
      expect(abortReason).toContain('shut down');

      // read the queue as another process would (the memory engine lives on in this process)
      const reader = harness.name === 'memory' ? null : await createTestApp({ ...options, workers: false }, [ConformanceJobs]);
      const read = async (id: string) => (reader ? reader.jobs.getJob(id) : engine.getJob('default', id));
      expect(await read(short.id)).toMatchObject({ state: 'completed' });
      expect(await read(long.id)).toMatchObject({ state: 'waiting', attempts: 0 });
      if (reader) {
        // and another worker picks the handed-back job up right away, no lease expiry needed
        await reader.close();
        ConformanceJobs.behaviour = () => 'second life';
        app = await createTestApp(options, [ConformanceJobs]);
        await expect(app.jobs.waitFor(long.id, { timeoutMs: 2000 })).resolves.toBe('second life');
      }
    });

    /**
     * Returns once `waitFor(id)` calls made before it are registered with storage: a later
     * waitFor that gives up at once has looked at the job, and the earlier ones looked first.
     */
    async function afterEarlierWaitsLooked(id: string): Promise<void> {
      await expect(app.jobs.waitFor(id, { timeoutMs: 0 })).rejects.toThrow(WaitTimeoutError);
    }

    it('wakes a waitFor in one application when another one settles the job', async () => {
      const options = harness.options();
      // the memory engine lives in one process: there the waiting application runs the job itself
      const alone = harness.name === 'memory';
      await open({ ...options, workers: alone });
      const worker = alone ? null : await createTestApp(options, [ConformanceJobs]);
      try {
        const gate = deferred();
        const started = deferred();
        ConformanceJobs.behaviour = async () => {
          started.resolve();
          await gate.promise;
          return 'from the other one';
        };
        const { id } = await app.jobs.enqueue('task', {});
        await started.promise;
        const waiting = app.jobs.waitFor(id, { timeoutMs: 10_000 });
        await afterEarlierWaitsLooked(id);
        gate.resolve();
        await expect(waiting).resolves.toBe('from the other one');
      } finally {
        await worker?.close();
      }
    });

    it('gives waitFor the result of a job that retention deletes as it completes', async () => {
      await open({ defaults: { keepCompleted: { count: 0 } } });
      const gate = deferred();
      const started = deferred();
      ConformanceJobs.behaviour = async () => {
        started.resolve();
        await gate.promise;
        return { kept: 'for the waiter' };
      };
      const { id } = await app.jobs.enqueue('task', {});
      await started.promise;
      const waiting = app.jobs.waitFor(id, { timeoutMs: 10_000 });
      await afterEarlierWaitsLooked(id);
      gate.resolve();
      await expect(waiting).resolves.toEqual({ kept: 'for the waiter' });
      expect(await app.jobs.getJob(id)).toBeNull();
    });

    it('wakes a waitFor with JobFailedError when its job is cancelled', async () => {
      await open({ defaults: { keepCompleted: { count: 0 } }, workers: false });
      const { id } = await app.jobs.enqueue('task', {});
      const waiting = app.jobs.waitFor(id, { timeoutMs: 10_000 });
      await afterEarlierWaitsLooked(id);
      await expect(app.jobs.cancel(id)).resolves.toBe(true);
      await expect(waiting).rejects.toThrow(new JobFailedError(`Job "${id}" was cancelled.`));
    });

    it('waits longer than a Node timer can hold when asked to', async () => {
      await open();
      const gate = deferred();
      ConformanceJobs.behaviour = () => gate.promise.then(() => 'late');
      const { id } = await app.jobs.enqueue('task', {});
      const waiting = app.jobs.waitFor(id, { timeoutMs: Number.MAX_SAFE_INTEGER });
      await afterEarlierWaitsLooked(id);
      gate.resolve();
      await expect(waiting).resolves.toBe('late');
    });

    it('waits without looking at the job again until it settles', async () => {
      await open({ workers: false });
      const { id } = await app.jobs.enqueue('task', {});
      let getJobCalls = 0;
      const getJob = app.engine.getJob.bind(app.engine);
      app.engine.getJob = (queue, jobId) => (getJobCalls++, getJob(queue, jobId));
      const waiting = app.jobs.waitFor(id, { timeoutMs: 10_000 });
      await afterEarlierWaitsLooked(id);
      const readsBefore = await harness.commandCalls('hgetall');
      const getJobCallsBefore = getJobCalls;
      // long enough for a poller to have looked several times; nothing here can be awaited instead
      await new Promise((resolve) => setTimeout(resolve, 1500));
      expect(await harness.commandCalls('hgetall')).toBe(readsBefore);
      expect(getJobCalls).toBe(getJobCallsBefore);
      // the test plays the worker that runs and completes the job
      await claimAs('w', { max: 1, reserve: 0, started: [], settlements: [] });
      await claimAs('w', { max: 0, reserve: 0, started: [], settlements: [{ id, outcome: 'completed', result: '"done"' }], held: 1 });
      await expect(waiting).resolves.toBe('done');
    });

    it('settles and starts the jobs a claim reports with a few commands a call, not a few a job', async () => {
      await open({ workers: false });
      await app.jobs.enqueueMany(Array.from({ length: 100 }, (_, i) => ({ name: 'task', data: { i } })));
      // the test plays a worker: 50 jobs to start, 50 reserved, then all of them reported at once
      const { jobs } = await claimAs('w', { max: 50, reserve: 50, started: [], settlements: [] });
      expect(jobs).toHaveLength(100);
      const counted = ['hget', 'hset', 'srem', 'sadd', 'zadd', 'smove'];
      const before = await Promise.all(counted.map((command) => harness.commandCalls(command)));
      await claimAs('w', {
        max: 0,
        reserve: 0,
        started: jobs.slice(50, 75).map((job) => job.id),
        settlements: jobs.slice(0, 50).map((job) => ({ id: job.id, outcome: 'completed' as const, result: '' })),
        held: 100,
      });
      const after = await Promise.all(counted.map((command) => harness.commandCalls(command)));
      // 75 jobs reported: four commands each before (SREM, HGET, HSET, ZADD or SADD)
      expect(after.reduce((sum, calls, k) => sum + calls - before[k]!, 0)).toBeLessThan(20);
      expect((await app.jobs.getJob(jobs[0]!.id))?.state).toBe('completed');
      expect((await app.jobs.getJob(jobs[60]!.id))?.state).toBe('active');
      expect((await app.jobs.getJob(jobs[60]!.id))?.attempts).toBe(1);
      expect((await app.jobs.getJob(jobs[80]!.id))?.state).toBe('waiting');
      expect((await app.jobs.getStats()).queues.default?.completed).toBe(50);
    });

    it('puts due delayed jobs back in line with a few commands a call, not a few a job', async () => {
      await open({ workers: false });
      await app.jobs.enqueueMany(Array.from({ length: 100 }, (_, i) => ({ name: 'task', data: { i }, options: { delayMs: 1 } })));
      // a clock to pass, not an event to await: the jobs are due 1 ms after their enqueue
      await new Promise((resolve) => setTimeout(resolve, 100));
      const counted = ['hget', 'hset', 'rpush', 'zadd'];
      const before = await Promise.all(counted.map((command) => harness.commandCalls(command)));
      await claimAs('w', { max: 0, reserve: 0, started: [], settlements: [] });
      const after = await Promise.all(counted.map((command) => harness.commandCalls(command)));
      // four commands each before (HGET state, HSET state, HGET header, RPUSH)
      expect(after.reduce((sum, calls, k) => sum + calls - before[k]!, 0)).toBeLessThan(20);
      expect((await app.jobs.getStats()).queues.default).toMatchObject({ waiting: 100, delayed: 0 });
      const { jobs } = await claimAs('w', { max: 100, reserve: 0, started: [], settlements: [] });
      // equal due times: in line in the order of the delayed set, by id
      expect(jobs.map((job) => (JSON.parse(job.data) as { i: number }).i).sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    });

    it('costs nothing while idle with a job due further off than a Node timer can wait', async () => {
      await open();
      let claims = 0;
      const claim = app.engine.claim.bind(app.engine);
      app.engine.claim = (request) => (claims++, claim(request));
      const idleFor = async () => {
        // the enqueue wakes a worker to look at the new due time; then the queue is idle
        await new Promise((resolve) => setTimeout(resolve, 500));
        const [claimsBefore, scriptsBefore] = [claims, await harness.commandCalls('evalsha')];
        await new Promise((resolve) => setTimeout(resolve, 5000));
        return { claims: claims - claimsBefore, scripts: (await harness.commandCalls('evalsha')) - scriptsBefore };
      };
      // beyond 2^31 - 1 ms a Node timer fires at once: a worker woken for the due time would spin
      await app.jobs.enqueue('task', {}, { runAt: new Date('2100-01-01T00:00:00Z') });
      const in2100 = await idleFor();
      await app.jobs.enqueue('task', {}, { runAt: Date.now() + 30 * 24 * 3600_000 });
      const in30Days = await idleFor();
      for (const idle of [in2100, in30Days]) {
        expect(idle.claims).toBeLessThan(5);
        expect(idle.scripts).toBeLessThan(10);
      }
    });

    it('trims completed jobs to the configured count', async () => {
      await open({ defaults: { keepCompleted: { count: 5 } }, queues: { default: { concurrency: 1 } } });
      const ids: string[] = [];
      for (let i = 0; i < 20; i++) {
        const { id } = await app.jobs.enqueue('task', i);
        ids.push(id);
        await app.jobs.waitFor(id);
      }
      expect((await app.jobs.getStats()).queues.default?.completed).toBe(5);
      expect(await app.jobs.getJob(ids[0]!)).toBeNull();
      expect((await app.jobs.getJob(ids[19]!))?.state).toBe('completed');
    });

    it('trims the dead-letter queue to its maximum size', async () => {
      await open({ deadLetter: { maxSize: 2 }, defaults: { attempts: 1 } });
      ConformanceJobs.behaviour = () => {
        throw new Error('no');
      };
      const ids: string[] = [];
      for (let i = 0; i < 4; i++) {
        const { id } = await app.jobs.enqueue('task', i);
        ids.push(id);
        await expect(app.jobs.waitFor(id)).rejects.toThrow(JobFailedError);
      }
      expect((await app.jobs.getStats()).queues.default?.dead).toBe(2);
      expect(await app.jobs.getJob(ids[0]!)).toBeNull();
      expect((await app.jobs.getJob(ids[3]!))?.state).toBe('dead');
    });

    it('times a job out through ctx.signal and counts it as a failed attempt', async () => {
      await open({ defaults: { attempts: 1 } });
      let sawAbort = false;
      ConformanceJobs.behaviour = (_data, ctx) =>
        new Promise(() => ctx.signal.addEventListener('abort', () => (sawAbort = true)));
      const { id } = await app.jobs.enqueue('task', {}, { timeoutMs: 100 });
      await expect(app.jobs.waitFor(id)).rejects.toThrow('ran longer than its timeout of 100 ms');
      expect(sawAbort).toBe(true);
    });

    it('lets a job run under a timeout longer than a Node timer can wait', async () => {
      await open({ defaults: { attempts: 1 } });
      ConformanceJobs.behaviour = () => new Promise((resolve) => setTimeout(() => resolve('in time'), 200));
      const { id } = await app.jobs.enqueue('task', {}, { timeoutMs: 30 * 24 * 3600_000 });
      expect(await app.jobs.waitFor(id, { timeoutMs: 30_000 })).toBe('in time');
    });

    it('reports progress and log lines through getJob', async () => {
      await open();
      ConformanceJobs.behaviour = async (_data, ctx) => {
        await ctx.progress({ done: 50 });
        await ctx.log('half way');
        return 'ok';
      };
      const { id } = await app.jobs.enqueue('task', {});
      await app.jobs.waitFor(id);
      expect(await app.jobs.getJob(id)).toMatchObject({ progress: { done: 50 }, logs: ['half way'], state: 'completed' });
    });

    it('keeps progress and log lines a handler did not await before returning', async () => {
      await open();
      ConformanceJobs.behaviour = (_data, ctx) => {
        void ctx.progress({ done: 100 });
        void ctx.log('last words');
        return 'ok';
      };
      const { id } = await app.jobs.enqueue('task', {});
      await app.jobs.waitFor(id);
      expect(await app.jobs.getJob(id)).toMatchObject({ progress: { done: 100 }, logs: ['last words'], state: 'completed' });
    });
  });
}
