import { Injectable } from '@nestjs/common';
import { Job } from '../../lib/index.js';
import { createTestApp, deferred, eventually, type TestApp } from '../support/test-app.js';
import type { EngineHarness } from './engine-harness.js';

/** How many jobs of each name started, run now, and the most that ever ran at once. */
const load = { started: new Map<string, number>(), running: new Map<string, number>(), peak: new Map<string, number>() };
let gate = deferred();

function run(name: string): void {
  load.started.set(name, (load.started.get(name) ?? 0) + 1);
  const now = (load.running.get(name) ?? 0) + 1;
  load.running.set(name, now);
  load.peak.set(name, Math.max(now, load.peak.get(name) ?? 0));
}

function done(name: string): void {
  load.running.set(name, load.running.get(name)! - 1);
}

/** A handler with a limit above the queue's default, one below it, and one without. */
@Injectable()
class LimitedJobs {
  @Job('wide', { concurrency: 12 })
  async wide() {
    run('wide');
    await gate.promise;
    done('wide');
  }

  /** Held at the gate when its data says so; otherwise it returns at once. */
  @Job('narrow', { concurrency: 3 })
  async narrow(data: { hold: boolean }) {
    run('narrow');
    if (data.hold) await gate.promise;
    done('narrow');
  }

  @Job('quick')
  quick() {
    run('quick');
    done('quick');
  }
}

/** The only handler of its queue, with a limit of its own. */
@Injectable()
class BurstJobs {
  @Job('burst', { concurrency: 20 })
  burst() {
    run('burst');
    done('burst');
  }
}

/** A handler's own `concurrency` (`@Job(name, { concurrency })`), proven against every engine. */
export function describeHandlerConcurrency(harness: EngineHarness): void {
  describe(`handler concurrency: ${harness.name} engine`, () => {
    let app: TestApp | undefined;

    beforeAll(() => harness.setup());
    afterAll(() => harness.teardown());
    beforeEach(() => {
      load.started.clear();
      load.running.clear();
      load.peak.clear();
      gate = deferred();
    });
    afterEach(async () => {
      gate.resolve();
      await app?.close();
      app = undefined;
    });

    it("runs as many of a handler's jobs at once as its `concurrency` when the queue's is not set, and never more", async () => {
      app = await createTestApp(harness.options(), [LimitedJobs]);
      await app.jobs.pause();
      const ids = (await app.jobs.enqueueMany(Array.from({ length: 30 }, () => ({ name: 'wide', data: {} })))).map(({ id }) => id);
      await app.jobs.resume();
      // the queue's default is 10; the handler's own 12 is what a reader of @Job expects
      await eventually('twelve wide jobs running', () => load.running.get('wide') === 12, 30_000);
      expect((await app.jobs.getStats()).queues.default).toMatchObject({ active: 12, waiting: 18 });
      gate.resolve();
      for (const id of ids) await app.jobs.waitFor(id, { timeoutMs: 30_000 });
      expect(load.peak.get('wide')).toBe(12);
    });

    it('keeps other jobs flowing beside a handler at its limit whose jobs were quick so far', async () => {
      app = await createTestApp(harness.options(), [LimitedJobs]);
      // quick runs teach the worker to claim this handler's jobs ahead
      const warm = await app.jobs.enqueueMany(Array.from({ length: 300 }, () => ({ name: 'narrow', data: { hold: false } })));
      for (const { id } of warm) await app.jobs.waitFor(id, { timeoutMs: 30_000 });
      await app.jobs.pause();
      const held = await app.jobs.enqueueMany(Array.from({ length: 40 }, () => ({ name: 'narrow', data: { hold: true } })));
      const others = await app.jobs.enqueueMany(Array.from({ length: 20 }, () => ({ name: 'quick', data: {} })));
      await app.jobs.resume();
      for (const { id } of others) await app.jobs.waitFor(id, { timeoutMs: 30_000 });
      await eventually('three held jobs running', () => load.running.get('narrow') === 3, 30_000);
      gate.resolve();
      for (const { id } of held) await app.jobs.waitFor(id, { timeoutMs: 30_000 });
      expect(load.peak.get('narrow')).toBe(3);
    });

    // a worker that asked for more jobs than its handlers may take made storage take jobs from the
    // line and put them back (LPUSH), hundreds a claim: a handler's own concurrency ran at a third
    // of the same concurrency set on the queue. Nothing here hands a job back otherwise.
    // (No commands are counted on the memory engine.)
    for (const [setting, options] of [
      ['the queue left at its default', {}],
      ['the queue at the same concurrency', { queues: { default: { concurrency: 20 } } }],
      ['the queue at a higher concurrency', { queues: { default: { concurrency: 50 } } }],
    ] as const) {
      it(`takes no job from the line only to put it back, the handler's concurrency set and ${setting}`, async () => {
        app = await createTestApp(harness.options(options), [BurstJobs]);
        await app.jobs.pause();
        for (let i = 0; i < 4; i++) await app.jobs.enqueueMany(Array.from({ length: 1000 }, () => ({ name: 'burst', data: {} })));
        const before = await harness.commandCalls('lpush');
        await app.jobs.resume();
        await eventually('every burst job to run', () => load.started.get('burst') === 4000 && load.running.get('burst') === 0, 60_000);
        expect((await harness.commandCalls('lpush')) - before).toBeLessThan(5);
        expect(load.peak.get('burst')).toBeLessThanOrEqual(20);
      });
    }
  });
}
