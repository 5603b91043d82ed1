import { Inject, Injectable, Scope, UseInterceptors, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { ContextIdFactory, REQUEST, createContextId } from '@nestjs/core';
import { map } from 'rxjs';
import { Job, OnEvent, OnJobEvent, Interval, type BackgroundModuleOptions, type JobEvent, type ScheduleTick } from '../lib/index.js';
import { RedisServer } from './support/redis-server.js';
import { createTestApp, type TestApp } from './support/test-app.js';

/** What each handler saw: which instance it ran on (a serial number) and what REQUEST held. */
const seen: { who: string; serial: number; request: unknown }[] = [];
let serials = 0;
const seenBy = (who: string) => seen.filter((entry) => entry.who === who);

/** Eventually true, within a generous deadline (the test machine is busy). */
async function until(condition: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

@Injectable()
class Tagging implements NestInterceptor {
  intercept(_context: ExecutionContext, next: CallHandler) {
    return next.handle().pipe(map((result) => ({ intercepted: result })));
  }
}

@Injectable({ scope: Scope.REQUEST })
class RequestJobs {
  readonly serial = ++serials;
  constructor(@Inject(REQUEST) private readonly request: unknown) {}

  @Job('scoped.run')
  run(data: { n: number }) {
    seen.push({ who: 'job', serial: this.serial, request: this.request });
    return { n: data.n, serial: this.serial, sameAsPayload: this.request === data };
  }

  @Job('scoped.intercepted')
  @UseInterceptors(Tagging)
  intercepted() {
    return this.serial;
  }

  @OnEvent('order.placed', { name: 'scoped.subscriber' })
  placed(payload: { orderId: string }) {
    seen.push({ who: 'event', serial: this.serial, request: this.request });
    return payload.orderId;
  }
}

@Injectable({ scope: Scope.REQUEST })
class RequestTicks {
  readonly serial = ++serials;
  constructor(@Inject(REQUEST) private readonly request: ScheduleTick) {}

  @Interval('scoped.tick', 100)
  tick(tick: ScheduleTick) {
    seen.push({ who: 'tick', serial: this.serial, request: this.request === tick ? 'the tick' : this.request });
  }
}

@Injectable({ scope: Scope.REQUEST })
class PerJobDependency {
  readonly serial = ++serials;
}

/** A singleton that depends on a request-scoped provider is itself resolved per job, as Nest does per request. */
@Injectable()
class SingletonWithScopedDependency {
  constructor(private readonly dependency: PerJobDependency) {}

  @Job('scoped.dependency')
  run() {
    return this.dependency.serial;
  }
}

@Injectable({ scope: Scope.REQUEST })
class RequestHooks {
  constructor(@Inject(REQUEST) private readonly request: JobEvent) {}

  @OnJobEvent('completed')
  completed(event: JobEvent) {
    if ('name' in event && event.name === 'scoped.run') seen.push({ who: 'hook', serial: 0, request: this.request === event });
  }
}

@Injectable({ scope: Scope.REQUEST, durable: true })
class DurableJobs {
  readonly serial = ++serials;

  @Job('scoped.durable')
  run() {
    return this.serial;
  }
}

const providers = [RequestJobs, RequestTicks, PerJobDependency, SingletonWithScopedDependency, RequestHooks, DurableJobs, Tagging];

describe.each(['memory', 'redis'] as const)('handlers on request-scoped providers (%s)', (storage) => {
  let server: RedisServer | undefined;
  let app: TestApp | undefined;
  let prefixes = 0;
  const options = (): BackgroundModuleOptions =>
    storage === 'memory' ? { storage } : { connection: server!.url, prefix: `rs${++prefixes}` };

  beforeAll(async () => {
    if (storage === 'redis') server = await RedisServer.start();
  });
  beforeEach(() => {
    seen.length = 0;
  });
  afterEach(async () => {
    await app?.close();
    app = undefined;
    // back to no strategy, as Nest starts
    (ContextIdFactory as unknown as { strategy?: unknown }).strategy = undefined;
  });
  afterAll(async () => server?.stop());

  it('@Job runs on a fresh instance per job, with the payload as REQUEST, and its @OnJobEvent hook likewise', async () => {
    app = await createTestApp(options(), providers);
    const [first, second] = await Promise.all([app.jobs.enqueue('scoped.run', { n: 1 }), app.jobs.enqueue('scoped.run', { n: 2 })]);
    const results = [await app.jobs.waitFor(first.id, { timeoutMs: 30_000 }), await app.jobs.waitFor(second.id, { timeoutMs: 30_000 })];

    expect(results.map((r: any) => [r.n, r.sameAsPayload])).toEqual([
      [1, true],
      [2, true],
    ]);
    expect((results[0] as any).serial).not.toBe((results[1] as any).serial);
    expect(seenBy('job').map(({ request }) => request)).toEqual(expect.arrayContaining([{ n: 1 }, { n: 2 }]));
    await until(() => seenBy('hook').length === 2, 'both completed hooks');
    expect(seenBy('hook').map(({ request }) => request)).toEqual([true, true]);
  });

  it('@OnEvent runs on a fresh instance per event, with the event payload as REQUEST', async () => {
    app = await createTestApp(options(), providers);
    const one = await app.jobs.emit('order.placed', { orderId: 'o-1' });
    const two = await app.jobs.emit('order.placed', { orderId: 'o-2' });
    expect(await app.jobs.waitFor(one.jobIds[0]!, { timeoutMs: 30_000 })).toBe('o-1');
    expect(await app.jobs.waitFor(two.jobIds[0]!, { timeoutMs: 30_000 })).toBe('o-2');

    const events = seenBy('event');
    expect(events.map(({ request }) => request)).toEqual([{ orderId: 'o-1' }, { orderId: 'o-2' }]);
    expect(events[0]!.serial).not.toBe(events[1]!.serial);
  });

  it('@Interval ticks each run on a fresh instance, with the tick as REQUEST', async () => {
    app = await createTestApp(options(), providers);
    await until(() => seenBy('tick').length >= 2, 'two ticks');

    const ticks = seenBy('tick').slice(0, 2);
    expect(ticks.map(({ request }) => request)).toEqual(['the tick', 'the tick']);
    expect(ticks[0]!.serial).not.toBe(ticks[1]!.serial);
  });

  it('a singleton handler with a request-scoped dependency gets a fresh dependency per job', async () => {
    app = await createTestApp(options(), providers);
    const one = await app.jobs.enqueue('scoped.dependency', {});
    const two = await app.jobs.enqueue('scoped.dependency', {});
    const serialsSeen = [await app.jobs.waitFor(one.id, { timeoutMs: 30_000 }), await app.jobs.waitFor(two.id, { timeoutMs: 30_000 })];

    expect(typeof serialsSeen[0]).toBe('number');
    expect(serialsSeen[0]).not.toBe(serialsSeen[1]);
  });

  it("the method's interceptors run around a request-scoped handler", async () => {
    app = await createTestApp(options(), providers);
    const { id } = await app.jobs.enqueue('scoped.intercepted', {});

    expect(await app.jobs.waitFor(id, { timeoutMs: 30_000 })).toEqual({ intercepted: expect.any(Number) });
  });

  it('a durable provider follows the ContextIdStrategy: one instance serves every job', async () => {
    const durable = createContextId();
    ContextIdFactory.apply({ attach: (contextId) => (info) => (info.isTreeDurable ? durable : contextId) });
    app = await createTestApp(options(), providers);
    const one = await app.jobs.enqueue('scoped.durable', {});
    const two = await app.jobs.enqueue('scoped.durable', {});

    const first = await app.jobs.waitFor(one.id, { timeoutMs: 30_000 });
    expect(await app.jobs.waitFor(two.id, { timeoutMs: 30_000 })).toBe(first);
  });
});
