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
  });
}
