import { RedisServer } from './support/redis-server.js';
import { createTestApp, type TestApp } from './support/test-app.js';
import { WorkerProcess } from './support/worker-process.js';

type Delivery = { delivered: string; event: string; eventId: string; jobId: string; payload: unknown };

const deliveries = (worker: WorkerProcess) =>
  worker.messages.filter((message): message is Delivery => typeof message.delivered === 'string');
const subscribersOf = (jobIds: string[]) => jobIds.map((id) => id.slice(id.lastIndexOf(':') + 1)).sort();

describe('durable events across processes', () => {
  let server: RedisServer;
  let producer: TestApp | undefined;
  let prefixes = 0;
  let env: Record<string, string>;
  /** A producer-only process (this one) with none of the subscribers' code. */
  const openProducer = async () => (producer = await createTestApp({ connection: server.url, prefix: env.PREFIX, workers: false }, []));
  const spawn = (role: 'billing' | 'audit', extra: Record<string, string> = {}) => WorkerProcess.spawn({ ...env, ROLE: role, ...extra }, 'events.app');

  beforeAll(async () => (server = await RedisServer.start()));
  beforeEach(() => (env = { REDIS_URL: server.url, PREFIX: `ev${++prefixes}` }));
  afterEach(async () => {
    await WorkerProcess.killAll();
    await producer?.close();
    producer = undefined;
  });
  afterAll(() => server.stop());

  it('an emit from a producer-only process reaches the subscribers of two other processes: exact, "*", "**" and stacked patterns', async () => {
    const [billing, audit] = await Promise.all([spawn('billing'), spawn('audit')]);
    await openProducer();

    const placed = await producer!.jobs.emit('order.placed', { orderId: 'o-1' });
    const deep = await producer!.jobs.emit('order.placed.eu', { orderId: 'o-2' });
    const paid = await producer!.jobs.emit('invoice.7.paid', { invoice: 7 });
    const shipped = await producer!.jobs.emit('order.shipped', { orderId: 'o-1' });
    expect(subscribersOf(placed.jobIds)).toEqual(['audit.everything', 'audit.stacked', 'billing.any-order', 'billing.charge']);
    expect(subscribersOf(deep.jobIds)).toEqual(['audit.everything']);
    expect(subscribersOf(paid.jobIds)).toEqual(['audit.everything', 'audit.stacked']);
    expect(subscribersOf(shipped.jobIds)).toEqual(['audit.everything', 'billing.any-order']);
    const all = [placed, deep, paid, shipped].flatMap(({ jobIds }) => jobIds);
    await Promise.all(all.map((id) => producer!.jobs.waitFor(id, { timeoutMs: 15_000 })));

    // each subscriber ran once per event, in the process that has it
    const seen = (worker: WorkerProcess) => deliveries(worker).map(({ delivered, event }) => `${delivered} ${event}`).sort();
    expect(seen(billing)).toEqual(['billing.any-order order.placed', 'billing.any-order order.shipped', 'billing.charge order.placed']);
    expect(seen(audit)).toEqual([
      'audit.everything invoice.7.paid',
      'audit.everything order.placed',
      'audit.everything order.placed.eu',
      'audit.everything order.shipped',
      'audit.stacked invoice.7.paid',
      'audit.stacked order.placed',
    ]);
    expect(deliveries(billing).find(({ delivered }) => delivered === 'billing.charge')).toMatchObject({
      eventId: placed.id,
      payload: { orderId: 'o-1' },
    });
    expect(await producer!.jobs.countDead()).toBe(0);
  });

  it('a subscriber killed (SIGKILL) while it handles an event gets the event again, in the process that replaces it', async () => {
    const doomed = await spawn('billing', { HANG: '1' });
    await openProducer();
    const { id } = await producer!.jobs.emit('order.placed', { orderId: 'o-3', hang: true });
    const charge = `event:${id}:billing.charge`;
    await doomed.received((message) => message.invoked === charge);
    await doomed.kill();
    expect(await producer!.jobs.getJob(charge)).toMatchObject({ state: 'active' });

    const replacement = await spawn('billing');
    await replacement.received((message) => message.delivered === 'billing.charge' && message.jobId === charge);
    await producer!.jobs.waitFor(charge, { timeoutMs: 15_000 });
    expect(await producer!.jobs.getJob(charge)).toMatchObject({ state: 'completed', stalls: 1 });
    expect(doomed.messages.some((message) => message.delivered === 'billing.charge')).toBe(false);
  });

  it('a subscriber whose processes were all down when the event was emitted gets it when one comes back', async () => {
    // it ran once, so the cluster knows its subscriptions, then stopped
    await (await spawn('audit')).stop();
    await openProducer();
    const { id, subscribers, jobIds } = await producer!.jobs.emit('invoice.9.paid', { invoice: 9 });
    expect(subscribers).toBe(2);
    for (const jobId of jobIds) expect(await producer!.jobs.getJob(jobId)).toMatchObject({ state: 'waiting', queue: 'audit' });

    const back = await spawn('audit');
    await Promise.all(jobIds.map((jobId) => producer!.jobs.waitFor(jobId, { timeoutMs: 15_000 })));
    expect(deliveries(back).map(({ delivered, eventId }) => `${delivered} ${eventId}`).sort()).toEqual([
      `audit.everything ${id}`,
      `audit.stacked ${id}`,
    ]);
  });
});
