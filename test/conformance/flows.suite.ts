import { Injectable } from '@nestjs/common';
import { Job, UnrecoverableError, defineJob, type BatchSummary, type ChildOutcome, type JobContext } from '../../lib/index.js';
import { createTestApp, eventually, type TestApp } from '../support/test-app.js';
import type { EngineHarness } from './engine-harness.js';

const Price = defineJob<{ sku: string }, { sku: string; cents: number }>('flow.price');
const Total = defineJob<{ order: string }, { cents: number; failed: string[]; skipped: string[] }>('flow.total');

/** Children price items (`bad` fails for good until healed, `skip` skips); parents add up what their children returned. */
@Injectable()
class FlowJobs {
  static ran: string[] = [];
  static seen: Record<string, ChildOutcome<{ sku: string; cents: number }>>[] = [];
  static healed = false;

  @Job(Price)
  price(data: { sku: string }, ctx: JobContext) {
    FlowJobs.ran.push(ctx.id);
    if (data.sku === 'bad' && !FlowJobs.healed) throw new UnrecoverableError(`no price for ${data.sku}`);
    if (data.sku === 'skip') ctx.skip('out of stock');
    return { sku: data.sku, cents: data.sku.length * 100 };
  }

  @Job(Total)
  async total(_data: { order: string }, ctx: JobContext) {
    FlowJobs.ran.push(ctx.id);
    const children = await ctx.children(Price);
    FlowJobs.seen.push(children);
    const all = Object.values(children);
    const cents = all.reduce((sum, child) => sum + (child.result?.cents ?? 0), 0);
    return { cents, failed: all.filter((c) => c.state === 'dead' || c.state === 'cancelled').map((c) => c.id), skipped: all.filter((c) => c.state === 'skipped').map((c) => c.id) };
  }

  @Job('flow.subtotal')
  async subtotal(_data: unknown, ctx: JobContext) {
    FlowJobs.ran.push(ctx.id);
    const children = await ctx.children(Price);
    return { sku: 'sub', cents: Object.values(children).reduce((sum, child) => sum + (child.result?.cents ?? 0), 0) };
  }

  static summaries: { callback: string; summary: BatchSummary }[] = [];

  @Job('batch.complete')
  complete(summary: BatchSummary) {
    FlowJobs.summaries.push({ callback: 'complete', summary });
  }

  @Job('batch.success')
  success(summary: BatchSummary) {
    FlowJobs.summaries.push({ callback: 'success', summary });
  }

  @Job('flow.sms', { queue: 'second' })
  sms(data: { to: string }, ctx: JobContext) {
    FlowJobs.ran.push(ctx.id);
    if (data.to === 'bad' && !FlowJobs.healed) throw new UnrecoverableError('no such number');
    return { sku: data.to, cents: 1 };
  }
}

const item = (sku: string, options = {}) => ({ job: Price, data: { sku }, options });

/** Flows, dependsOn and skip, proven against every engine. */
export function describeFlows(harness: EngineHarness): void {
  describe(`flows: ${harness.name} engine`, () => {
    let app: TestApp;
    const open = async () => (app = await createTestApp(harness.options(), [FlowJobs]));

    beforeAll(() => harness.setup());
    afterAll(() => harness.teardown());
    afterEach(async () => {
      await app?.close();
      FlowJobs.ran = [];
      FlowJobs.seen = [];
      FlowJobs.healed = false;
      FlowJobs.summaries = [];
    });

    it('runs the parent once, after all its children, with their results keyed by id and typed', async () => {
      await open();
      await app.jobs.pause();
      const flow = await app.jobs.flow({ job: Total, data: { order: 'o1' }, children: [item('ab'), item('abc'), item('abcd')] });
      expect(flow.children).toHaveLength(3);
      const parent = await app.jobs.getJob(flow.id);
      expect(parent).toMatchObject({ state: 'waiting-children', waitingChildren: 3 });
      expect((await app.jobs.getJob(flow.children[0]!.id))?.parents).toEqual([flow.id]);
      expect((await app.jobs.getStats()).queues.default!['waiting-children']).toBe(1);
      await app.jobs.resume();
      expect(await app.jobs.waitFor(flow.id, { timeoutMs: 30_000 })).toEqual({ cents: 900, failed: [], skipped: [] });
      expect(FlowJobs.ran.at(-1)).toBe(flow.id);
      expect(FlowJobs.ran.filter((id) => id === flow.id)).toHaveLength(1);
      const ids = flow.children.map((child) => child.id);
      expect(Object.keys(FlowJobs.seen[0]!).sort()).toEqual([...ids].sort());
      expect(FlowJobs.seen[0]![ids[1]!]).toEqual({ id: ids[1], name: 'flow.price', queue: 'default', state: 'completed', result: { sku: 'abc', cents: 300 }, onFailure: 'fail-parent' });
      expect((await app.jobs.getStats()).queues.default!['waiting-children']).toBe(0);
      const tree = await app.jobs.getFlow(flow.id);
      expect(tree).toMatchObject({ id: flow.id, name: 'flow.total', state: 'completed' });
      expect(tree!.children.map((child) => [child.id, child.state, child.result])).toEqual([
        [ids[0], 'completed', { sku: 'ab', cents: 200 }],
        [ids[1], 'completed', { sku: 'abc', cents: 300 }],
        [ids[2], 'completed', { sku: 'abcd', cents: 400 }],
      ]);
    });

    it('sends the parent to the dead-letter queue when a child fails (the default), naming the child', async () => {
      await open();
      const flow = await app.jobs.flow({ job: Total, data: { order: 'o2' }, children: [item('ok'), item('bad')] });
      const bad = flow.children[1]!.id;
      await expect(app.jobs.waitFor(flow.id, { timeoutMs: 30_000 })).rejects.toThrow();
      const parent = await app.jobs.getJob(flow.id);
      expect(parent).toMatchObject({ state: 'dead', deadReason: 'child failed' });
      expect(parent!.errors.at(-1)).toMatchObject({ name: 'ChildFailedError', message: `Child job ${bad} failed: no price for bad` });
      expect(FlowJobs.ran).not.toContain(flow.id);
      expect((await app.jobs.getStats()).queues.default!['waiting-children']).toBe(0);
    });

    it("runs the parent with the failure to see when the child's policy is 'ignore', and counts a skipped child as done", async () => {
      await open();
      const flow = await app.jobs.flow({
        job: Total,
        data: { order: 'o3' },
        children: [item('ok'), item('bad', { onFailure: 'ignore' }), item('skip')],
      });
      const [, bad, skipped] = flow.children.map((child) => child.id);
      expect(await app.jobs.waitFor(flow.id, { timeoutMs: 30_000 })).toEqual({ cents: 200, failed: [bad], skipped: [skipped] });
      expect(FlowJobs.seen[0]![bad!]).toMatchObject({ state: 'dead', error: 'no price for bad', onFailure: 'ignore' });
      expect(FlowJobs.seen[0]![skipped!]).toMatchObject({ state: 'skipped', skipReason: 'out of stock' });
      expect(await app.jobs.getJob(skipped!)).toMatchObject({ state: 'skipped', skipReason: 'out of stock', errors: [] });
      expect(await app.jobs.waitFor(skipped!, { timeoutMs: 30_000 })).toBeUndefined();
      expect((await app.jobs.getStats()).names['flow.price']?.skipped).toBe(1);
    });

    it("cancels the children not ended yet and fails the parent when a 'cancel-rest' child fails", async () => {
      await open();
      const flow = await app.jobs.flow({
        job: Total,
        data: { order: 'o4' },
        children: [item('bad', { onFailure: 'cancel-rest' }), item('later', { delayMs: 3_600_000 })],
      });
      const later = flow.children[1]!.id;
      await expect(app.jobs.waitFor(flow.id, { timeoutMs: 30_000 })).rejects.toThrow();
      await eventually('the pending sibling to be cancelled', async () => (await app.jobs.getJob(later))?.state === 'cancelled');
      expect(await app.jobs.getJob(flow.id)).toMatchObject({ state: 'dead', deadReason: 'child failed' });
    });

    it('runs nested flows bottom up', async () => {
      await open();
      const flow = await app.jobs.flow({
        job: Total,
        data: { order: 'o5' },
        children: [{ job: 'flow.subtotal', data: {}, children: [item('a'), item('bb')] }, item('ccc')],
      });
      expect(await app.jobs.waitFor(flow.id, { timeoutMs: 30_000 })).toEqual({ cents: 300, failed: [], skipped: [] });
      const tree = await app.jobs.getFlow(flow.id);
      expect(tree!.children[0]!.children.map((child) => child.state)).toEqual(['completed', 'completed']);
      expect(tree!.children[0]!.result).toEqual({ sku: 'sub', cents: 300 });
    });

    it('runs a child of another queue, or refuses the flow clearly on Redis Cluster', async () => {
      await open();
      const tree = { job: Total, data: { order: 'o6' }, children: [item('ab'), { job: 'flow.sms', data: { to: 'x' } }] };
      if (harness.name === 'redis cluster') {
        await expect(app.jobs.flow(tree)).rejects.toThrow(
          'flow(): on Redis Cluster every job of a flow (and every job named in dependsOn) must be in one queue, so that the flow is stored and settled in one hash slot; this one spans queues "default", "second". Route its jobs to one queue with options.queue.',
        );
        return;
      }
      const flow = await app.jobs.flow(tree);
      expect(await app.jobs.waitFor(flow.id, { timeoutMs: 30_000 })).toEqual({ cents: 200, failed: [], skipped: [] });
      const sms = await app.jobs.getFlow(flow.id);
      expect(sms!.children[1]).toMatchObject({ queue: 'second', state: 'completed', result: { sku: 'x', cents: 1 } });
    });

    it('runs a job after the jobs of its dependsOn, and refuses an unknown id or a cycle at the call', async () => {
      await open();
      const a = await app.jobs.enqueue(Price, { sku: 'a' });
      await app.jobs.waitFor(a.id, { timeoutMs: 30_000 });
      await app.jobs.pause();
      const b = await app.jobs.enqueue(Price, { sku: 'bb' });
      const total = await app.jobs.enqueue(Total, { order: 'o7' }, { dependsOn: [a.id, b.id] });
      expect(await app.jobs.getJob(total.id)).toMatchObject({ state: 'waiting-children', waitingChildren: 1 });
      await app.jobs.resume();
      expect(await app.jobs.waitFor(total.id, { timeoutMs: 30_000 })).toEqual({ cents: 300, failed: [], skipped: [] });
      await expect(app.jobs.enqueue(Total, { order: 'o8' }, { dependsOn: ['nope'] })).rejects.toThrow(
        `enqueue('flow.total') options: dependsOn names job "nope", which does not exist (never enqueued, or deleted by retention). Enqueue it first, or leave it out.`,
      );
      await expect(app.jobs.enqueue(Total, { order: 'o9' }, { jobId: 'me', dependsOn: [a.id, 'me'] })).rejects.toThrow(
        `enqueue('flow.total') options: dependsOn names "me", the job's own id: a job cannot wait for itself (a cycle). Remove it from dependsOn.`,
      );
      expect(await app.jobs.getJob('me')).toBeNull();
    });

    it('cancels the pending jobs of a flow', async () => {
      await open();
      await app.jobs.pause();
      const flow = await app.jobs.flow({ job: Total, data: { order: 'o10' }, children: [item('a'), item('b')] });
      expect(await app.jobs.cancelFlow(flow.id)).toBe(3);
      const tree = await app.jobs.getFlow(flow.id);
      expect([tree!.state, ...tree!.children.map((child) => child.state)]).toEqual(['cancelled', 'cancelled', 'cancelled']);
      expect((await app.jobs.getStats()).queues.default!['waiting-children']).toBe(0);
    });

    it('resumes the flow when its dead child is redriven: the parent then runs once', async () => {
      await open();
      const flow = await app.jobs.flow({ job: Total, data: { order: 'o11' }, children: [item('ok'), item('bad')] });
      await expect(app.jobs.waitFor(flow.id, { timeoutMs: 30_000 })).rejects.toThrow();
      FlowJobs.healed = true;
      expect(await app.jobs.redrive(flow.children[1]!.id)).toBe(true);
      await eventually('the parent to complete', async () => (await app.jobs.getJob(flow.id))?.state === 'completed');
      expect((await app.jobs.getJob(flow.id))?.result).toEqual({ cents: 500, failed: [], skipped: [] });
      expect(FlowJobs.ran.filter((id) => id === flow.id)).toHaveLength(1);
    });

    it('resumes the flow when its dead child of another queue is redriven', async () => {
      if (harness.name === 'redis cluster') return;
      await open();
      const flow = await app.jobs.flow({ job: Total, data: { order: 'o13' }, children: [item('ok'), { job: 'flow.sms', data: { to: 'bad' } }] });
      await expect(app.jobs.waitFor(flow.id, { timeoutMs: 30_000 })).rejects.toThrow();
      expect(await app.jobs.getJob(flow.id)).toMatchObject({ state: 'dead', deadReason: 'child failed' });
      FlowJobs.healed = true;
      await app.jobs.pause('second');
      expect(await app.jobs.redrive(flow.children[1]!.id)).toBe(true);
      // told at once, not when the child completes
      expect(await app.jobs.getJob(flow.id)).toMatchObject({ state: 'waiting-children', waitingChildren: 1 });
      await app.jobs.resume('second');
      await eventually('the parent to complete', async () => (await app.jobs.getJob(flow.id))?.state === 'completed');
      expect(FlowJobs.ran.filter((id) => id === flow.id)).toHaveLength(1);
    });

    it('refuses hostile trees, dependsOn and batch items at the call, clearly, storing nothing', async () => {
      await open();
      const loop: { job: string; data: object; children: unknown[] } = { job: 'flow.price', data: { sku: 'x' }, children: [] };
      loop.children.push(loop);
      await expect(app.jobs.flow(loop as never)).rejects.toThrow(
        'flow(): the tree has more than 100000 jobs (100001 so far). Split it into several flows, or use batch() for a flat group.',
      );
      await expect(app.jobs.flow({ job: Total, data: { order: 'x' }, children: [{ data: {} } as never] })).rejects.toThrow(
        'flow(): the node at root.children[0] has no job: give a job name or a defineJob() definition. A node is { job: name or defineJob definition, data, options?, children?: node[] }.',
      );
      await expect(app.jobs.flow({ job: Total, data: { order: 'x' }, children: 'no' as never })).rejects.toThrow('flow(): the node at root has children that are not an array.');
      await expect(app.jobs.flow({ job: Total, data: { order: 'x' }, children: [item('a', { onFailure: 'explode' })] })).rejects.toThrow(
        `flow() node root.children[0] options.onFailure: the failure policy must be 'fail-parent', 'ignore' or 'cancel-rest', got "explode".`,
      );
      await expect(app.jobs.enqueue(Total, { order: 'x' }, { dependsOn: 'a' as never })).rejects.toThrow(
        `enqueue('flow.total') options: dependsOn must be an array of 1 to 1000 job ids as enqueue() returned them, got "a".`,
      );
      await expect(app.jobs.batch([null as never])).rejects.toThrow(/^batch\(\): item 0 is not \{ name/);
      await expect(app.jobs.batch(42 as never)).rejects.toThrow('batch(): items must be an array (or any iterable, or async iterable) of { name, data, options? }, got number.');
      expect((await app.jobs.getStats()).queues.default).toMatchObject({ waiting: 0, 'waiting-children': 0 });
    });

    it('refuses a flow whose job id is taken, storing nothing', async () => {
      await open();
      await app.jobs.enqueue(Price, { sku: 'x' }, { jobId: 'taken' });
      await expect(app.jobs.flow({ job: Total, data: { order: 'o12' }, options: { jobId: 'root12' }, children: [item('a', { jobId: 'taken' })] })).rejects.toThrow(
        'flow(): a job with id "taken" exists already, or the tree uses it twice; nothing was stored. Give each node a jobId of its own, or none.',
      );
      expect(await app.jobs.getJob('root12')).toBeNull();
    });

    it('runs a batch of 2,500 items in chunks and its callbacks once each, with the summary; getBatch tells the progress', async () => {
      await open();
      await app.jobs.pause();
      function* items() {
        for (let i = 0; i < 2500; i++) yield { name: Price, data: { sku: i === 7 ? 'bad' : 'ok' } };
      }
      const { id } = await app.jobs.batch(items(), { onComplete: 'batch.complete', onSuccess: 'batch.success', batchId: 'b1' });
      expect(id).toBe('b1');
      expect(await app.jobs.getBatch(id)).toEqual({ batchId: 'b1', total: 2500, completed: 0, skipped: 0, failed: 0, failedIds: [], pending: 2500, state: 'running' });
      // the same call again adds nothing
      await app.jobs.batch(items(), { onComplete: 'batch.complete', onSuccess: 'batch.success', batchId: 'b1' });
      await app.jobs.resume();
      await eventually('the batch callback', () => FlowJobs.summaries.length > 0);
      const summary = { batchId: 'b1', total: 2500, completed: 2499, skipped: 0, failed: 1, failedIds: ['b1:7'] };
      expect(FlowJobs.summaries).toEqual([{ callback: 'complete', summary }]);
      await eventually('the batch to be done', async () => (await app.jobs.getBatch(id))?.state === 'done');
      expect(await app.jobs.getBatch(id)).toEqual({ ...summary, pending: 0, state: 'done' });
      expect(FlowJobs.ran.filter((ran) => ran.startsWith('b1:'))).toHaveLength(2500);
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(FlowJobs.summaries).toHaveLength(1);
    });

    it('runs onSuccess too when no item of the batch failed', async () => {
      await open();
      const { id } = await app.jobs.batch([{ name: Price, data: { sku: 'a' } }, { name: Price, data: { sku: 'skip' } }], { onComplete: 'batch.complete', onSuccess: 'batch.success' });
      await eventually('both callbacks', () => FlowJobs.summaries.length === 2);
      const summary = { batchId: id, total: 2, completed: 1, skipped: 1, failed: 0, failedIds: [] };
      expect(FlowJobs.summaries.sort((a, b) => a.callback.localeCompare(b.callback))).toEqual([
        { callback: 'complete', summary },
        { callback: 'success', summary },
      ]);
    });
  });
}
