import { Injectable } from '@nestjs/common';
import { JobFailedError, OnEvent, Retry, defineEvent, type EventContext } from '../../lib/index.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import type { EngineHarness } from './engine-harness.js';

const OrderPlaced = defineEvent<{ orderId: string; total: number }>('order.placed');

type Delivery = { subscriber: string; event: string; eventId: string; payload: unknown; attempt: number; queue: string };
const deliveries: Delivery[] = [];
const record = (subscriber: string, payload: unknown, ctx: EventContext) =>
  deliveries.push({ subscriber, event: ctx.event, eventId: ctx.eventId, payload, attempt: ctx.attempt, queue: ctx.queue });

/** One subscriber per kind of pattern: exact, '*', '**' at the end and alone, stacked decorators. */
@Injectable()
class OrderSubscribers {
  @OnEvent(OrderPlaced)
  placed(payload: { orderId: string; total: number }, ctx: EventContext) {
    record('exact', payload, ctx);
    return { billed: payload.orderId };
  }

  @OnEvent('order.*')
  anyOrder(payload: unknown, ctx: EventContext) {
    record('star', payload, ctx);
  }

  @OnEvent('order.**', { name: 'order-tree' })
  orderTree(payload: unknown, ctx: EventContext) {
    record('globstar', payload, ctx);
  }

  @OnEvent('**')
  everything(payload: unknown, ctx: EventContext) {
    record('everything', payload, ctx);
  }

  // matches order.placed twice over, and still gets one job per emit
  @OnEvent('order.placed')
  @OnEvent('*.placed')
  @OnEvent('invoice.*.paid')
  stacked(payload: unknown, ctx: EventContext) {
    record('stacked', payload, ctx);
  }
}

/** A subscriber that fails until its attempts run out, beside one that succeeds, on the same event. */
@Injectable()
class PaymentSubscribers {
  @OnEvent('payment.failed', { name: 'payment-mailer' })
  @Retry({ attempts: 2, backoff: { type: 'fixed', delayMs: 10, jitter: false } })
  mail(_payload: unknown, ctx: EventContext) {
    record('mailer', null, ctx);
    throw new Error('smtp down');
  }

  @OnEvent('payment.failed', { name: 'payment-ledger' })
  ledger(_payload: unknown, ctx: EventContext) {
    record('ledger', null, ctx);
    return 'booked';
  }
}

/** Subscribers of one event in two queues. */
@Injectable()
class ShippingSubscribers {
  @OnEvent('order.shipped', { queue: 'shipping', name: 'ship-label' })
  label(payload: unknown, ctx: EventContext) {
    record('label', payload, ctx);
    return 'printed';
  }

  @OnEvent('order.shipped', { name: 'ship-mail' })
  mail(payload: unknown, ctx: EventContext) {
    record('mail', payload, ctx);
    return 'sent';
  }
}

/** Durable events (`@OnEvent`, `jobs.emit`), proven against every engine; see events.spec for several processes. */
export function describeEvents(harness: EngineHarness): void {
  describe(`durable events: ${harness.name} engine`, () => {
    const apps: TestApp[] = [];
    const open = async (extra = {}, providers: Function[] = [OrderSubscribers, PaymentSubscribers]) => {
      const app = await createTestApp(harness.options(extra), providers as never[]);
      apps.push(app);
      return app;
    };
    const subscribersOf = (jobIds: string[]) => jobIds.map((id) => id.slice(id.lastIndexOf(':') + 1)).sort();
    const settle = (app: TestApp, jobIds: string[]) => Promise.all(jobIds.map((id) => app.jobs.waitFor(id)));

    beforeAll(() => harness.setup());
    afterAll(() => harness.teardown());
    afterEach(async () => {
      await Promise.all(apps.splice(0).map((app) => app.close()));
      deliveries.length = 0;
    });

    it('stores one job per matching subscriber: exact names, "*" for one segment, "**" for any number, stacked patterns once', async () => {
      const app = await open();
      const placed = await app.jobs.emit(OrderPlaced, { orderId: 'o-1', total: 30 });
      expect(placed.subscribers).toBe(5);
      expect(subscribersOf(placed.jobIds)).toEqual(
        ['OrderSubscribers@anyOrder', 'OrderSubscribers@everything', 'OrderSubscribers@placed', 'OrderSubscribers@stacked', 'order-tree'].sort(),
      );
      const deep = await app.jobs.emit('order.placed.eu', { orderId: 'o-2' });
      expect(subscribersOf(deep.jobIds)).toEqual(['OrderSubscribers@everything', 'order-tree']);
      // '**' matches no segment too
      const bare = await app.jobs.emit('order', null);
      expect(subscribersOf(bare.jobIds)).toEqual(['OrderSubscribers@everything', 'order-tree']);
      const paid = await app.jobs.emit('invoice.7.paid', { invoice: 7 });
      expect(subscribersOf(paid.jobIds)).toEqual(['OrderSubscribers@everything', 'OrderSubscribers@stacked']);

      expect(await app.jobs.waitFor(placed.jobIds.find((id) => id.endsWith('@placed'))!)).toEqual({ billed: 'o-1' });
      await settle(app, [...placed.jobIds, ...deep.jobIds, ...bare.jobIds, ...paid.jobIds]);
      expect(deliveries).toHaveLength(11);
      const exact = deliveries.find((delivery) => delivery.subscriber === 'exact')!;
      expect(exact).toEqual({ subscriber: 'exact', event: 'order.placed', eventId: placed.id, payload: { orderId: 'o-1', total: 30 }, attempt: 1, queue: 'default' });
      expect(deliveries.filter((delivery) => delivery.subscriber === 'stacked').map((delivery) => delivery.event).sort()).toEqual(['invoice.7.paid', 'order.placed']);
      const job = await app.jobs.getJob(placed.jobIds[0]!);
      expect(job).toMatchObject({ queue: 'default', state: 'completed', data: { event: 'order.placed', eventId: placed.id } });
    });

    it('retries each subscriber on its own: a failing one ends in the dead-letter queue, the other completes once', async () => {
      const app = await open({}, [PaymentSubscribers]);
      const { jobIds } = await app.jobs.emit('payment.failed', { paymentId: 'p-1' });
      const mailer = jobIds.find((id) => id.endsWith(':payment-mailer'))!;
      const ledger = jobIds.find((id) => id.endsWith(':payment-ledger'))!;
      expect(await app.jobs.waitFor(ledger)).toBe('booked');
      await expect(app.jobs.waitFor(mailer)).rejects.toThrow(JobFailedError);
      expect(await app.jobs.getJob(mailer)).toMatchObject({ state: 'dead', attempts: 2, deadReason: 'attempts exhausted' });
      expect(await app.jobs.countDead({ name: 'payment-mailer' })).toBe(1);
      expect(deliveries.map((delivery) => `${delivery.subscriber}#${delivery.attempt}`).sort()).toEqual(['ledger#1', 'mailer#1', 'mailer#2']);
    });

    it('counts an emit nobody subscribes to and stores nothing', async () => {
      const app = await open({}, [PaymentSubscribers]);
      const before = await app.jobs.getStats();
      expect(await app.jobs.emit('nobody.listens', { x: 1 })).toEqual({ id: expect.any(String), subscribers: 0, jobIds: [] });
      const after = await app.jobs.getStats();
      expect(after.eventsWithoutSubscribers).toBe(before.eventsWithoutSubscribers + 1);
      expect(after.queues.events?.completed ?? 0).toBe(before.queues.events?.completed ?? 0);
    });

    it('is idempotent with an event id: the same id twice stores and runs each subscriber once', async () => {
      const app = await open({}, [PaymentSubscribers]);
      const first = await app.jobs.emit('payment.failed', { n: 1 }, { id: 'evt-42' });
      const again = await app.jobs.emit('payment.failed', { n: 2 }, { id: 'evt-42' });
      expect(again).toEqual(first);
      expect(first.jobIds.sort()).toEqual(['event:evt-42:payment-ledger', 'event:evt-42:payment-mailer']);
      await app.jobs.waitFor('event:evt-42:payment-ledger');
      expect((await app.jobs.getJob('event:evt-42:payment-ledger'))!.data).toMatchObject({ payload: { n: 1 } });
    });

    it('reaches subscribers in several queues: each queue gets its job at once, and the fan-out job that guarantees them is called off', async () => {
      const app = await open({}, [ShippingSubscribers]);
      const { id, jobIds } = await app.jobs.emit('order.shipped', { orderId: 'o-9' });
      // written in the same step as one of the two jobs, it would have written the other had the
      // emitter died; it did not, so the job is cancelled, never left to write again jobs that
      // completed and were trimmed meanwhile (they would run twice)
      expect((await app.jobs.getJob(`event:${id}:fan-out`))!.state).toBe('cancelled');
      expect(jobIds.sort()).toEqual([`event:${id}:ship-label`, `event:${id}:ship-mail`]);
      expect((await app.jobs.getJob(`event:${id}:ship-label`))!.queue).toBe('shipping');
      expect((await app.jobs.getJob(`event:${id}:ship-mail`))!.queue).toBe('default');
      expect(await Promise.all(jobIds.map((job) => app.jobs.waitFor(job)))).toEqual(['printed', 'sent']);
      expect(deliveries.map((delivery) => `${delivery.subscriber}:${delivery.queue}`).sort()).toEqual(['label:shipping', 'mail:default']);
    });

    if (harness.name === 'memory') return;

    it('writes the jobs of one emit in one script call, in one slot', async () => {
      // a producer with the subscribers' code but no workers, so no other script runs meanwhile
      const app = await open({ workers: false });
      await app.jobs.emit('warm.up', {});
      const before = await harness.commandCalls('evalsha');
      const { subscribers, jobIds } = await app.jobs.emit(OrderPlaced, { orderId: 'o-3', total: 1 });
      expect(await harness.commandCalls('evalsha')).toBe(before + 1);
      expect(subscribers).toBe(5);
      for (const id of jobIds) expect(await app.jobs.getJob(id)).toMatchObject({ state: 'waiting', queue: 'default' });
    });

    it('reaches subscribers published by another process, also one that was down when the event was emitted', async () => {
      const extra = harness.options();
      const subscriber = await open(extra, [PaymentSubscribers]);
      await subscriber.close();
      // a producer-only process without the subscribers' code
      const producer = await open({ ...extra, workers: false }, []);
      const { subscribers, jobIds } = await producer.jobs.emit('payment.failed', { paymentId: 'p-2' });
      expect(subscribers).toBe(2);
      // each subscriber's attempts are what its process published (@Retry on the mailer: 2)
      expect(await producer.jobs.getJob(jobIds.find((id) => id.endsWith('mailer'))!)).toMatchObject({ state: 'waiting', maxAttempts: 2 });
      await open(extra, [PaymentSubscribers]);
      expect(await producer.jobs.waitFor(jobIds.find((id) => id.endsWith('ledger'))!)).toBe('booked');
    });
  });
}
