import { Injectable } from '@nestjs/common';
import { CircuitBreaker, CircuitBreakerService, CircuitOpenError, Job, type BackgroundModuleOptions, type JobContext } from '../../lib/index.js';
import { createTestApp, deferred, eventually, type TestApp } from '../support/test-app.js';
import type { EngineHarness } from './engine-harness.js';

const SMTP = { failureThreshold: 3, windowMs: 10_000, resetTimeoutMs: 300, halfOpenProbes: 1 };

/** A mail job behind the breaker 'smtp', whose dependency the tests take down and bring back. */
@Injectable()
class MailJobs {
  static down = false;
  /** When each call of the mail handler started, and how many ran at once then. */
  static calls: { at: number; running: number }[] = [];
  static running = 0;

  @Job('mail', { attempts: 5 })
  @CircuitBreaker('smtp', SMTP)
  async send(_data: unknown, ctx: JobContext) {
    MailJobs.running++;
    MailJobs.calls.push({ at: Date.now(), running: MailJobs.running });
    try {
      await new Promise((resolve) => setTimeout(resolve, 20));
      if (MailJobs.down) throw new Error('smtp down');
      return { sent: ctx.id };
    } finally {
      MailJobs.running--;
    }
  }

  @Job('receipt', { attempts: 5 })
  @CircuitBreaker('smtp', SMTP)
  async receipt() {
    if (MailJobs.down) throw new Error('smtp down');
    return 'sent';
  }

  @Job('audit')
  audit() {
    return 'written';
  }
}

/** The same job name, deployed without its breaker. */
@Injectable()
class UnguardedMailJobs {
  @Job('mail')
  send() {
    return 'sent without a breaker';
  }
}

/** Calls to a dependency that is back but slow: each probe runs longer than the lease. */
@Injectable()
class SlowJobs {
  static starts: number[] = [];
  static firstDone = Infinity;

  @Job('slow', { attempts: 10 })
  @CircuitBreaker('slow-dep', { failureThreshold: 1, windowMs: 10_000, resetTimeoutMs: 200, halfOpenProbes: 1 })
  async slow(data: { fail?: boolean }, ctx: JobContext) {
    if (data.fail) throw new Error('dependency down');
    SlowJobs.starts.push(Date.now());
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 1500);
      ctx.signal.addEventListener('abort', () => (clearTimeout(timer), resolve()));
    });
    if (!ctx.signal.aborted) SlowJobs.firstDone = Math.min(SlowJobs.firstDone, Date.now());
  }
}

/** A dependency the test holds up: each call waits until the test lets it go. */
@Injectable()
class HeldJobs {
  static release = deferred();
  static calls = 0;

  @Job('held')
  @CircuitBreaker('held-dep', { failureThreshold: 1, windowMs: 10_000, resetTimeoutMs: 200, halfOpenProbes: 1 })
  async held() {
    HeldJobs.calls++;
    await HeldJobs.release.promise;
    return 'done';
  }
}

/** Quick calls to a dependency: the worker reserves these jobs ahead while the breaker is closed. */
@Injectable()
class QuickJobs {
  static starts: number[] = [];
  /** The `n` of each job started, in order. */
  static ran: number[] = [];
  static down = false;
  /** Called at each start with how many started so far (the memory engine runs thousands in one of the test's polls). */
  static onStart: (count: number) => void = () => {};

  @Job('ping')
  @CircuitBreaker('quick-dep', { failureThreshold: 5, windowMs: 10_000, resetTimeoutMs: 60_000, halfOpenProbes: 1 })
  ping(data: { n?: number }) {
    QuickJobs.ran.push(data?.n ?? -1);
    QuickJobs.onStart(QuickJobs.starts.push(Date.now()));
    if (QuickJobs.down) throw new Error('dependency down');
  }
}

/** Another service's handler on the same queue, without the breaker. */
@Injectable()
class ReportJobs {
  @Job('report')
  report() {
    return 'reported';
  }
}

/** Cluster-wide circuit breakers, proven against every engine (one process here; see breaker.spec for two). */
export function describeBreakers(harness: EngineHarness): void {
  describe(`circuit breakers: ${harness.name} engine`, () => {
    let app: TestApp;
    let breakers: CircuitBreakerService;
    let options: BackgroundModuleOptions;
    const open = async () => {
      options = harness.options({ defaults: { backoff: { type: 'fixed', delayMs: 20, jitter: false } }, queues: { default: { concurrency: 5 } } });
      app = await createTestApp(options, [MailJobs]);
      breakers = app.app.get(CircuitBreakerService);
    };
    const smtp = async () => (await breakers.list()).find((breaker) => breaker.name === 'smtp')!;
    const attempts = async (ids: string[]) => (await Promise.all(ids.map((id) => app.jobs.getJob(id)))).reduce((sum, job) => sum + job!.attempts, 0);

    beforeAll(() => harness.setup());
    afterAll(() => harness.teardown());
    beforeEach(open);
    afterEach(async () => {
      await app?.close();
      MailJobs.down = false;
      MailJobs.calls = [];
    });

    it('opens after failureThreshold failures, parks the jobs behind it without using attempts, probes one at a time, and runs them all once the dependency is back', async () => {
      MailJobs.down = true;
      const ids = (await app.jobs.enqueueMany(Array.from({ length: 10 }, (_, n) => ({ name: 'mail', data: { n } })))).map(({ id }) => id);
      await eventually('the breaker to open', async () => (await smtp()).state === 'open');
      const opened = (await smtp()).openedAt!.getTime();

      // other jobs of the queue keep flowing
      const { id: audit } = await app.jobs.enqueue('audit', {});
      expect(await app.jobs.waitFor(audit)).toBe('written');

      // while it is open, or half-open with its one probe under way, at most that probe runs
      const used = await attempts(ids);
      await new Promise((resolve) => setTimeout(resolve, 3 * SMTP.resetTimeoutMs));
      const probes = MailJobs.calls.filter((call) => call.at > opened + 25);
      // at most one probe per resetTimeoutMs since it opened (and one at the edge): the window is measured, as the
      // audit job above may take seconds on a loaded machine
      const window = Date.now() - opened;
      expect(probes.length).toBeGreaterThanOrEqual(1);
      expect(probes.length).toBeLessThanOrEqual(Math.ceil(window / SMTP.resetTimeoutMs) + 1);
      expect(Math.max(...probes.map((call) => call.running))).toBe(1);
      // a probe's attempt counts when it is claimed, its call a moment later: one may be between the two
      expect(await attempts(ids)).toBeLessThanOrEqual(used + probes.length + SMTP.halfOpenProbes);
      // each failed probe opened it again
      expect((await smtp()).openedAt!.getTime()).toBeGreaterThan(opened);
      const waiting = await smtp();
      expect(waiting.parked).toBeGreaterThan(0);
      expect((await app.jobs.getStats()).queues.default).toMatchObject({ dead: 0 });

      MailJobs.down = false;
      for (const id of ids) expect(await app.jobs.waitFor(id)).toEqual({ sent: id });
      expect(await smtp()).toMatchObject({ state: 'closed', parked: 0, failures: 0 });
      expect(await app.jobs.countDead()).toBe(0);
      for (const id of ids) expect((await app.jobs.getJob(id))!.attempts).toBeLessThan(5);
    });

    it('shares its state with calls made outside jobs: breakers.run fails fast while it is open', async () => {
      const fail = () => breakers.run('smtp', () => Promise.reject(new Error('smtp down')));
      for (let i = 0; i < SMTP.failureThreshold; i++) await expect(fail()).rejects.toThrow('smtp down');
      expect(await smtp()).toMatchObject({ state: 'open', openedByHand: false });

      let called = false;
      const call = breakers.run('smtp', () => (called = true));
      await expect(call).rejects.toThrow(CircuitOpenError);
      await expect(call).rejects.toThrow(/^The circuit breaker "smtp" is open: calls fail fast until it lets a probe through in about \d+ ms\.$/);
      expect(called).toBe(false);

      // jobs behind it wait too; once it half-opens, the job runs as its probe and closes it
      const { id } = await app.jobs.enqueue('receipt', {});
      await eventually('the job to be parked', async () => (await smtp()).parked === 1);
      expect(await app.jobs.waitFor(id)).toBe('sent');
      expect((await app.jobs.getJob(id))!.attempts).toBe(1);
      expect((await smtp()).state).toBe('closed');

      // and a call made while it is half-open is its probe: a success closes it
      for (let i = 0; i < SMTP.failureThreshold; i++) await expect(fail()).rejects.toThrow('smtp down');
      await eventually('the breaker to half-open', async () => (await smtp()).state === 'half-open');
      expect(await breakers.run('smtp', () => 'probe ok')).toBe('probe ok');
      expect((await smtp()).state).toBe('closed');
    });

    it('opens by hand until reset, holding the jobs behind it; a parked job can be cancelled', async () => {
      await breakers.open('smtp');
      const [held, cancelled] = await app.jobs.enqueueMany([
        { name: 'mail', data: {} },
        { name: 'receipt', data: {} },
      ]);
      await eventually('both jobs to be parked', async () => (await smtp()).parked === 2);
      expect(await smtp()).toMatchObject({ state: 'open', openedByHand: true, parked: 2 });
      expect((await app.jobs.getJob(held!.id))!).toMatchObject({ state: 'waiting', attempts: 0 });
      expect((await app.jobs.getStats()).queues.default).toMatchObject({ waiting: 2, active: 0 });
      // opened by hand, it does not half-open on its own
      await new Promise((resolve) => setTimeout(resolve, SMTP.resetTimeoutMs + 100));
      expect((await smtp()).state).toBe('open');
      await expect(breakers.run('smtp', () => 1)).rejects.toThrow('The circuit breaker "smtp" is open: calls fail fast until it is reset (it was opened by hand).');

      expect(await app.jobs.cancel(cancelled!.id)).toBe(true);
      expect((await smtp()).parked).toBe(1);
      await breakers.reset('smtp');
      expect(await app.jobs.waitFor(held!.id)).toEqual({ sent: held!.id });
      expect((await app.jobs.getJob(cancelled!.id))!.state).toBe('cancelled');
      expect(await smtp()).toMatchObject({ state: 'closed', parked: 0, openedByHand: false });
      expect(MailJobs.calls).toHaveLength(1);
    });

    if (harness.name !== 'memory') {
      it('sends jobs parked behind a breaker that no worker has declared for three leases back to the queue', async () => {
        await app.close();
        const short = { ...options, leaseMs: 300 };
        app = await createTestApp(short, [MailJobs]);
        breakers = app.app.get(CircuitBreakerService);
        await breakers.open('smtp');
        const { id } = await app.jobs.enqueue('mail', {});
        await eventually('the job to be parked', async () => (await smtp()).parked === 1);
        await app.close();
        // the next release removed @CircuitBreaker('smtp'): once no worker declares it, an idle worker lets the job run
        app = await createTestApp(short, [UnguardedMailJobs]);
        expect(await app.jobs.waitFor(id)).toBe('sent without a breaker');
      });

      it('leaves jobs parked behind a breaker alone in a worker of another service on the same queue', async () => {
        await app.close();
        const short = { ...options, leaseMs: 300 };
        app = await createTestApp(short, [MailJobs]);
        breakers = app.app.get(CircuitBreakerService);
        const other = await createTestApp(short, [ReportJobs]);
        try {
          await breakers.open('smtp');
          const { id } = await app.jobs.enqueue('mail', {});
          await eventually('the job to be parked', async () => (await smtp()).parked === 1);
          // many leases: the other service's idle worker must not take the job out of the breaker's list
          await new Promise((resolve) => setTimeout(resolve, 10 * 300));
          expect(await smtp()).toMatchObject({ state: 'open', parked: 1 });
          expect((await app.jobs.getJob(id))!).toMatchObject({ state: 'waiting', attempts: 0 });
        } finally {
          await other.close();
        }
      });
    }

    it('lets no second probe through while a probe slower than the lease still runs', async () => {
      await app.close();
      SlowJobs.starts = [];
      SlowJobs.firstDone = Infinity;
      app = await createTestApp({ ...options, leaseMs: 300, shutdownTimeoutMs: 100 }, [SlowJobs]);
      const slow = async () => (await app.app.get(CircuitBreakerService).list()).find((breaker) => breaker.name === 'slow-dep')!;
      await app.jobs.enqueue('slow', { fail: true }, { attempts: 1 });
      await eventually('the breaker to open', async () => (await slow()).state === 'open');
      await app.jobs.enqueueMany(Array.from({ length: 5 }, () => ({ name: 'slow', data: {} })));
      await eventually('the first probe to finish', () => SlowJobs.firstDone < Infinity, 10_000);
      // five leases went by while the one probe ran, and no other job started
      expect(SlowJobs.starts.filter((at) => at < SlowJobs.firstDone)).toHaveLength(1);
    });

    describe('with its one probe slower than the lease', () => {
      const LEASE_MS = 300;
      let held: () => Promise<{ state: string; probes: number }>;
      beforeEach(async () => {
        await app.close();
        HeldJobs.release = deferred();
        HeldJobs.calls = 0;
        app = await createTestApp({ ...options, leaseMs: LEASE_MS, shutdownTimeoutMs: 100 }, [HeldJobs]);
        breakers = app.app.get(CircuitBreakerService);
        held = async () => (await breakers.list()).find((breaker) => breaker.name === 'held-dep')!;
        await expect(breakers.run('held-dep', () => Promise.reject(new Error('down')))).rejects.toThrow('down');
        await eventually('the breaker to half-open', async () => (await held()).state === 'half-open');
        // list() reads half-open by this process's clock in ms; the breaker's script by Redis TIME, which may be a
        // hair behind: a call in that millisecond is refused "in about 0 ms" (seen once on Cluster)
        await new Promise((resolve) => setTimeout(resolve, 50));
      });
      afterEach(() => HeldJobs.release.resolve());
      /** Over several leases, neither a call nor a job gets through beside the probe. */
      const noSecondProbe = async () => {
        for (let lease = 0; lease < 4; lease++) {
          await new Promise((resolve) => setTimeout(resolve, LEASE_MS));
          let called = false;
          await expect(breakers.run('held-dep', () => (called = true))).rejects.toThrow(CircuitOpenError);
          expect(called).toBe(false);
        }
        expect(HeldJobs.calls).toBe(1);
        expect(await held()).toMatchObject({ state: 'half-open', probes: 1 });
      };

      it('refuses calls while a probe job runs, and that job closes it when it succeeds', async () => {
        const { id } = await app.jobs.enqueue('held', {});
        await eventually('the probe job to start', () => HeldJobs.calls === 1);
        const { id: behind } = await app.jobs.enqueue('held', {});
        await noSecondProbe();
        HeldJobs.release.resolve();
        expect(await app.jobs.waitFor(id, { timeoutMs: 30_000 })).toBe('done');
        await eventually('the breaker to close', async () => (await held()).state === 'closed', 30_000);
        expect(await app.jobs.waitFor(behind, { timeoutMs: 30_000 })).toBe('done');
      });

      it('holds jobs and other calls back while a probe call runs, and that call closes it when it succeeds', async () => {
        const probe = breakers.run('held-dep', () => (HeldJobs.calls++, HeldJobs.release.promise.then(() => 'called')));
        // the job comes once the call holds the probe slot (on Cluster the call's script and the job's claim go to different nodes)
        await eventually('the probe call to start', () => HeldJobs.calls === 1);
        const { id } = await app.jobs.enqueue('held', {});
        await noSecondProbe();
        HeldJobs.release.resolve();
        expect(await probe).toBe('called');
        expect((await held()).state).toBe('closed');
        expect(await app.jobs.waitFor(id, { timeoutMs: 30_000 })).toBe('done');
      });
    });

    describe('with quick jobs, which the worker reserves ahead while the breaker is closed', () => {
      const JOBS = 3_000;
      const quick = async () => (await breakers.list()).find((breaker) => breaker.name === 'quick-dep')!;
      /** Resolves when starts stopped coming for 200 ms. */
      const quiet = () => eventually('the starts to stop', async () => {
        const before = QuickJobs.starts.length;
        await new Promise((resolve) => setTimeout(resolve, 200));
        return QuickJobs.starts.length === before;
      });
      beforeEach(async () => {
        await app.close();
        QuickJobs.starts = [];
        QuickJobs.ran = [];
        QuickJobs.down = false;
        app = await createTestApp(options, [QuickJobs]);
        breakers = app.app.get(CircuitBreakerService);
      });
      afterEach(() => (QuickJobs.onStart = () => {}));

      it('are reserved in a claim only while the breaker is closed, and the claim says which breakers are shut', async () => {
        await app.close();
        app = await createTestApp(harness.options({ workers: false }), [QuickJobs]);
        breakers = app.app.get(CircuitBreakerService);
        const breaker = { name: 'quick-dep', failureThreshold: 5, windowMs: 10_000, resetTimeoutMs: 60_000, halfOpenProbes: 1 };
        const request = { queue: 'default', workerId: 'w1', inFlight: 0, started: [], settlements: [], breakers: [{ jobName: 'ping', breaker }] };
        await app.jobs.enqueueMany(Array.from({ length: 6 }, (_, n) => ({ name: 'ping', data: { n } })));
        const closed = await app.engine.claim({ ...request, held: 0, max: 1, reserve: 2 });
        expect(closed).toMatchObject({ shutBreakers: [], rateReserveMs: null });
        expect(closed.jobs).toHaveLength(3);
        await breakers.open('quick-dep');
        const open = await app.engine.claim({ ...request, held: 3, max: 1, reserve: 2 });
        expect(open).toMatchObject({ jobs: [], shutBreakers: ['quick-dep'] });
        expect((await quick()).parked).toBe(3);
      });

      it('starts none of them once the breaker is opened elsewhere, and runs each once after it is reset', async () => {
        let opened = Infinity;
        QuickJobs.onStart = (count) => {
          if (count === 300) void breakers.open('quick-dep').then(() => (opened = Date.now()));
        };
        const ids = (await app.jobs.enqueueMany(Array.from({ length: JOBS }, (_, n) => ({ name: 'ping', data: { n } })))).map(({ id }) => id);
        await eventually('the breaker to be opened', () => opened < Infinity);
        await quiet();
        // a worker starts a reserved job only soon after a claim said the breaker was closed
        expect(QuickJobs.starts.filter((at) => at > opened + 50)).toEqual([]);
        expect(QuickJobs.starts.length).toBeLessThan(JOBS);
        expect((await quick()).parked).toBeGreaterThan(0);
        await breakers.reset('quick-dep');
        await eventually('every job to run', () => QuickJobs.starts.length >= JOBS);
        await quiet();
        // once each (completed jobs beyond the retention are gone: counted, not read; the last to
        // run is kept, whichever it is: the jobs parked behind the breaker come back in no set order)
        expect(QuickJobs.starts).toHaveLength(JOBS);
        expect(new Set(QuickJobs.ran).size).toBe(JOBS);
        expect((await app.jobs.getStats()).queues.default).toMatchObject({ waiting: 0, active: 0, failed: 0, dead: 0 });
        expect((await app.jobs.getJob(ids[QuickJobs.ran.at(-1)!]!))!.attempts).toBe(1);
      });

      it('starts none of them once its own failures opened the breaker', async () => {
        QuickJobs.onStart = (count) => {
          if (count === 300) QuickJobs.down = true;
        };
        await app.jobs.enqueueMany(Array.from({ length: JOBS }, (_, n) => ({ name: 'ping', data: { n } })));
        await eventually('the breaker to open', async () => (await quick()).state === 'open');
        await quiet();
        const opened = (await quick()).openedAt!.getTime();
        expect(QuickJobs.starts.filter((at) => at > opened + 50)).toEqual([]);
        expect(QuickJobs.starts.length).toBeLessThan(JOBS);
        expect(await quick()).toMatchObject({ state: 'open' });
      });
    });

    it('lists each breaker with its queue, state, counts and options', async () => {
      await expect(breakers.run('smtp', () => Promise.reject(new Error('no')))).rejects.toThrow('no');
      expect(await breakers.list()).toEqual([
        {
          name: 'smtp',
          queue: 'default',
          state: 'closed',
          failures: 1,
          parked: 0,
          probes: 0,
          openedAt: undefined,
          openedByHand: false,
          options: SMTP,
        },
      ]);
      await expect(breakers.reset('nope')).rejects.toThrow(
        "breakers.reset(): no circuit breaker named \"nope\" is declared in this process (declared: smtp). Declare it with @CircuitBreaker('nope') on a @Job method of a provider of this application.",
      );
    });
  });
}
