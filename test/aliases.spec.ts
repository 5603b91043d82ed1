import { Injectable } from '@nestjs/common';
import { Cron, Interval, Job, OnEvent, OnJobEvent, type BackgroundModuleOptions, type JobEvent, type ScheduleTick } from '../lib/index.js';
import { RedisServer } from './support/redis-server.js';
import { createTestApp, eventually, type TestApp } from './support/test-app.js';

/** Every kind of handler on one class, which the module also provides under a second token (`useExisting`). */
@Injectable()
class Aliased {
  static calls: string[] = [];
  static ticks: number[] = [];
  static hooks: string[] = [];

  @OnEvent('order.placed')
  placed(payload: { orderId: string }) {
    Aliased.calls.push(`event ${payload.orderId}`);
  }

  @Job('aliased.report')
  report(data: { n: number }) {
    Aliased.calls.push(`job ${data.n}`);
  }

  @Cron('0 3 * * *', { name: 'aliased-nightly' })
  nightly() {}

  @Interval(300)
  tick(tick: ScheduleTick) {
    Aliased.ticks.push(tick.due);
  }

  @OnJobEvent('completed')
  completed(event: JobEvent) {
    if (event.type === 'completed' && event.name === 'aliased.report') Aliased.hooks.push(event.id);
  }
}

describe('a provider aliased with useExisting', () => {
  let server: RedisServer;
  let app: TestApp | undefined;
  beforeAll(async () => (server = await RedisServer.start()));
  afterEach(async () => {
    await app?.close();
    app = undefined;
    Object.assign(Aliased, { calls: [], ticks: [], hooks: [] });
  });
  afterAll(() => server.stop());

  const engines: [string, () => BackgroundModuleOptions][] = [
    ['memory', () => ({ storage: 'memory' })],
    ['redis', () => ({ connection: server.url, prefix: 'alias' })],
  ];

  it.each(engines)('is one subscriber, one job handler and one set of schedules, not two (%s)', async (_engine, options) => {
    app = await createTestApp(options(), [Aliased, { provide: 'ALIAS', useExisting: Aliased }]);

    const emitted = await app.jobs.emit('order.placed', { orderId: 'o-1' });
    expect(emitted.jobIds).toHaveLength(1);
    const { id } = await app.jobs.enqueue('aliased.report', { n: 1 });
    await app.jobs.waitFor(emitted.jobIds[0]!, { timeoutMs: 15_000 });
    await app.jobs.waitFor(id, { timeoutMs: 15_000 });
    await eventually('three interval ticks', () => new Set(Aliased.ticks).size >= 3, 20_000);
    await eventually('the completed hook', () => Aliased.hooks.length > 0, 15_000);

    expect(Aliased.calls.sort()).toEqual(['event o-1', 'job 1']);
    expect(Aliased.hooks).toEqual([id]);
    // each tick ran once: no second schedule (named after the alias) ran the same due times
    expect(Aliased.ticks.length).toBe(new Set(Aliased.ticks).size);
  }, 40_000);
});
