import { Injectable } from '@nestjs/common';
import { Job } from '../../lib/index.js';
import type { ProcessRecord } from '../../lib/engine/ports/dashboard-store.interface.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import type { EngineHarness } from './engine-harness.js';

@Injectable()
class ListedJobs {
  @Job('listed')
  listed() {}
}

/** Every id of a state, page by page of `size`, following the cursors. */
async function allPages(app: TestApp, state: 'waiting' | 'delayed' | 'cancelled', size: number): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | null = null;
  do {
    const page: { ids: string[]; next: string | null } = await app.engine.dashboard.page('default', state, cursor, size);
    ids.push(...page.ids);
    cursor = page.next;
  } while (cursor !== null);
  return ids;
}

/** What the dashboard reads of storage (the DashboardStore port), the same on every engine. */
export function describeDashboardStore(harness: EngineHarness): void {
  describe(`dashboard store: ${harness.name} engine`, () => {
    let app: TestApp;
    beforeAll(() => harness.setup());
    afterAll(() => harness.teardown());
    beforeEach(async () => {
      app = await createTestApp(harness.options({ workers: false }), [ListedJobs]);
    });
    afterEach(() => app?.close());

    it('pages waiting jobs in claim order (higher priority first, FIFO within one), whatever the page size', async () => {
      const priorities = [0, 5, -3, 0, 5, 0, -3];
      const ids: string[] = [];
      for (const priority of priorities) ids.push((await app.jobs.enqueue('listed', {}, { priority })).id);
      const expected = [ids[1], ids[4], ids[0], ids[3], ids[5], ids[2], ids[6]];
      for (const size of [1, 2, 3, 100]) expect(await allPages(app, 'waiting', size)).toEqual(expected);
      expect(await app.engine.dashboard.priorities('default')).toEqual({ '5': 2, '0': 3, '-3': 2 });
      expect(await app.engine.dashboard.read('default', [ids[0]!, 'no-such-id'])).toMatchObject([{ id: ids[0], state: 'waiting' }]);
    });

    it('pages delayed jobs by due time and finished ones newest first; promote makes a delayed job wait now', async () => {
      const late = (await app.jobs.enqueue('listed', {}, { delayMs: 7_200_000 })).id;
      const soon = (await app.jobs.enqueue('listed', {}, { delayMs: 3_600_000 })).id;
      expect(await allPages(app, 'delayed', 1)).toEqual([soon, late]);
      expect(await app.engine.dashboard.promote('default', soon)).toBe(true);
      expect(await app.engine.dashboard.promote('default', soon)).toBe(false);
      expect(await allPages(app, 'waiting', 10)).toEqual([soon]);
      expect((await app.jobs.getJob(soon))!.state).toBe('waiting');
      await app.jobs.cancel(soon);
      // finished in the same millisecond, Redis orders them by id: a later one is later
      await new Promise((resolve) => setTimeout(resolve, 5));
      await app.jobs.cancel(late);
      expect(await allPages(app, 'cancelled', 1)).toEqual([late, soon]);
    });

    it('says whether a queue is paused', async () => {
      await app.jobs.enqueue('listed', {});
      expect(await app.engine.dashboard.paused('default')).toBe(false);
      await app.jobs.pause('default');
      expect(await app.engine.dashboard.paused('default')).toBe(true);
    });

    it('adds up activity per minute, and reads a range of minutes', async () => {
      const minute = Date.now() - (Date.now() % 60_000);
      const counts = (completed: number, failed: number) => new Map([['default', new Map([[minute, { completed, failed }]])]]);
      await app.engine.dashboard.addActivity(counts(3, 1));
      await app.engine.dashboard.addActivity(counts(2, 0));
      await app.engine.dashboard.addActivity(new Map([['default', new Map([[minute - 120_000, { completed: 1, failed: 0 }]])]]));
      expect(await app.engine.dashboard.activity('default', minute - 60_000, minute)).toEqual([{ t: minute, completed: 5, failed: 1 }]);
      expect(await app.engine.dashboard.activity('default', minute - 3_600_000, minute)).toHaveLength(2);
    });

    it('lists processes until they are removed or their TTL passes', async () => {
      const record = (id: string, seenAt: number): ProcessRecord => ({ id, host: 'h', pid: 1, startedAt: seenAt, seenAt, workers: [], handlers: [] });
      await app.engine.dashboard.publishProcess('p-live', record('p-live', Date.now()), 45_000);
      await app.engine.dashboard.publishProcess('p-gone', record('p-gone', Date.now() - 60_000), 45_000);
      await app.engine.dashboard.publishProcess('p-left', record('p-left', Date.now()), 45_000);
      await app.engine.dashboard.publishProcess('p-left', null, 0);
      const ids = (await app.engine.dashboard.processes()).map((process) => process.id);
      expect(ids).toContain('p-live');
      expect(ids).not.toContain('p-gone');
      expect(ids).not.toContain('p-left');
    });

    it('keeps the newest audit entries up to its bound, newest first', async () => {
      for (let n = 1; n <= 5; n++) {
        await app.engine.dashboard.appendAudit({ at: n, actor: 'a', action: 'pause', target: { kind: 'queue' }, outcome: 'ok' }, 3);
      }
      expect((await app.engine.dashboard.audit(0, 10)).map((entry) => entry.at)).toEqual([5, 4, 3]);
      expect((await app.engine.dashboard.audit(1, 1)).map((entry) => entry.at)).toEqual([4]);
    });
  });
}
