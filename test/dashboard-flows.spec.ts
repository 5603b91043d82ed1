import { Injectable, Module, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Redis } from 'ioredis';
import { BackgroundModule, Job, JobsService, UnrecoverableError, type BackgroundModuleOptions } from '../lib/index.js';
import { BackgroundDashboardModule, type DashboardTarget } from '../lib/dashboard/index.js';
import { RedisServer } from './support/redis-server.js';
import { eventually } from './support/test-app.js';

@Injectable()
class FlowJobs {
  @Job('order.total')
  total() {
    return 'total';
  }

  @Job('order.price')
  price(data: { sku: string; fail?: boolean }) {
    if (data.fail) throw new UnrecoverableError(`no price for ${data.sku}`);
    return 12;
  }

  @Job('order.stock', { queue: 'stock' })
  stock() {
    return 'in stock';
  }

  @Job('big.part', { queue: 'big' })
  part() {}

  @Job('big.total', { queue: 'big' })
  bigTotal() {}
}

/** `x-user` header: the user; none, 403. */
@Injectable()
class HeaderAuthGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest();
    if (typeof request.headers['x-user'] !== 'string') return false;
    request.user = { id: request.headers['x-user'] };
    return true;
  }
}

/** Every target `authorize` was asked about. */
const asked: DashboardTarget[] = [];

async function startApp(background: BackgroundModuleOptions) {
  @Module({
    imports: [
      BackgroundModule.forRoot(background),
      BackgroundDashboardModule.forRoot({
        guards: [HeaderAuthGuard],
        authorize: (request, action, target) => {
          asked.push(target);
          return request.user.id !== 'outsider' || target.kind !== 'flow';
        },
        redact: (job) => ({ ...job, data: '[hidden]' }),
      }),
    ],
    providers: [FlowJobs],
  })
  class AppModule {}
  const app = await NestFactory.create(AppModule, { logger: false });
  await app.listen(0, '127.0.0.1');
  const base = `${(await app.getUrl()).replace('[::1]', '127.0.0.1')}/jobs-dashboard/api`;
  const get = async (path: string, user = 'viewer') => {
    const response = await fetch(`${base}/${path}`, { headers: { 'x-user': user } });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined, bytes: text.length };
  };
  return { app, get, jobs: app.get(JobsService) };
}

describe.each([
  ['memory', false],
  ['Redis', true],
])('GET <path>/api/flows/:id on the %s engine', (engine, onRedis) => {
  let server: RedisServer | undefined;
  let started: Awaited<ReturnType<typeof startApp>>;

  beforeAll(async () => {
    server = onRedis ? await RedisServer.start() : undefined;
  });
  beforeEach(async () => {
    asked.length = 0;
    started = await startApp(server ? { connection: server.url, prefix: `flows${Date.now()}` } : { storage: 'memory' });
  });
  afterEach(async () => {
    await started?.app.close();
  });
  afterAll(async () => {
    await server?.stop();
  });

  async function checkout() {
    const flow = await started.jobs.flow({
      job: 'order.total',
      data: { orderId: 'o-1', card: '4242' },
      children: [
        { job: 'order.price', data: { sku: 'ok' } },
        { job: 'order.price', data: { sku: 'gone', fail: true }, options: { onFailure: 'ignore' } },
        { job: 'order.stock', data: { sku: 'ok' } },
      ],
    });
    await eventually('the parent to complete', async () => (await started.jobs.getJob(flow.id))?.state === 'completed');
    return flow;
  }

  it('shows the flow from its root down, each node with its state, asked from the parent or a child', async () => {
    const flow = await checkout();
    const [ok, failed, stock] = flow.children.map((child) => child.id);
    const expected = {
      id: flow.id,
      name: 'order.total',
      queue: 'default',
      state: 'completed',
      moreChildren: 0,
      children: [
        { id: ok, name: 'order.price', queue: 'default', state: 'completed', onFailure: 'fail-parent', children: [], moreChildren: 0 },
        { id: failed, name: 'order.price', queue: 'default', state: 'dead', onFailure: 'ignore', children: [], moreChildren: 0 },
        { id: stock, name: 'order.stock', queue: 'stock', state: 'completed', onFailure: 'fail-parent', children: [], moreChildren: 0 },
      ],
    };
    const redis = server && new Redis(server.url);
    const before = redis && (await redis.info('commandstats'));
    const fromParent = await started.get(`flows/${flow.id}`);
    const after = redis && (await redis.info('commandstats'));
    redis?.disconnect();
    if (redis) console.log(`Redis: flows/:id of a parent of 3 children (one in another queue): ${commands(after!) - commands(before!)} Redis commands`);
    expect(fromParent).toMatchObject({ status: 200, body: { id: flow.id, root: expected, nodes: 4, capped: false } });
    // a child's page shows the whole flow it is in
    const fromChild = await started.get(`flows/${encodeURIComponent(failed!)}`);
    expect(fromChild.body).toEqual({ id: failed, root: expected, nodes: 4, capped: false });
    // no payload, result or error text: nothing redact would have to hide
    expect(JSON.stringify(fromParent.body)).not.toMatch(/4242|hidden|no price/);
    expect(asked).toContainEqual({ kind: 'flow', id: flow.id });
  });

  it('answers 404 for an unknown id, 403 when authorize refuses, and a lone job is a flow of one', async () => {
    expect(await started.get('flows/nope')).toMatchObject({
      status: 404,
      body: { statusCode: 404, message: 'No job has the id "nope" (it may have been trimmed by retention).' },
    });
    expect(await started.get(`flows/${'x'.repeat(5000)}`)).toMatchObject({ status: 404 });
    const { id } = await started.jobs.enqueue('order.total', {});
    expect((await started.get(`flows/${id}`)).body).toEqual({
      id,
      root: { id, name: 'order.total', queue: 'default', state: expect.any(String), children: [], moreChildren: 0 },
      nodes: 1,
      capped: false,
    });
    expect(await started.get(`flows/${id}`, 'outsider')).toMatchObject({
      status: 403,
      body: { message: 'Not allowed: read on flow (authorize refused it).' },
    });
  });

  it('shows a child that retention deleted as its parent recorded it', async () => {
    await started.app.close();
    started = await startApp(server ? { connection: server.url, prefix: `kept${Date.now()}`, defaults: { keepCompleted: { count: 0 } } } : { storage: 'memory', defaults: { keepCompleted: { count: 0 } } });
    await started.jobs.pause('big');
    const flow = await started.jobs.flow({
      job: 'order.total',
      data: {},
      children: [{ job: 'order.price', data: { sku: 'ok' } }, { job: 'big.part', data: {} }],
    });
    const [done, waiting] = flow.children.map((child) => child.id);
    await eventually('the first child to be deleted by retention', async () => (await started.jobs.getJob(done!)) === null);
    const answer = await started.get(`flows/${flow.id}`);
    expect(answer.body.root).toMatchObject({
      state: 'waiting-children',
      children: [
        { id: done, name: 'order.price', state: 'completed', deleted: true },
        { id: waiting, name: 'big.part', queue: 'big', state: 'waiting' },
      ],
    });
    expect(answer.body.root.children[1].deleted).toBeUndefined();
  });

  it('goes down every level, and stops at 1,000 nodes saying what it left out', async () => {
    await started.jobs.pause('big');
    const flow = await started.jobs.flow({
      job: 'big.total',
      data: {},
      children: Array.from({ length: 11 }, (_, c) => ({
        job: 'big.total',
        data: { c },
        children: Array.from({ length: 100 }, (_, i) => ({ job: 'big.part', data: { c, i } })),
      })),
    });
    const { body } = await started.get(`flows/${flow.children[3]!.children[7]!.id}`);
    expect(body).toMatchObject({ id: flow.children[3]!.children[7]!.id, nodes: 1000, capped: true, root: { id: flow.id, moreChildren: 0 } });
    const middles = body.root.children;
    expect(middles.map((node: any) => node.id)).toEqual(flow.children.map((child) => child.id));
    expect(middles.map((node: any) => [node.state, node.children.length, node.moreChildren])).toEqual([
      ...Array.from({ length: 9 }, () => ['waiting-children', 100, 0]),
      ['waiting-children', 88, 12],
      ['waiting-children', 0, 100],
    ]);
    expect(middles[3].children[7]).toEqual({ id: flow.children[3]!.children[7]!.id, name: 'big.part', queue: 'big', state: 'waiting', onFailure: 'fail-parent', children: [], moreChildren: 0 });
  });

  it('lists 100 children of a parent of 10,000 and says how many more', async () => {
    await started.jobs.pause('big');
    const flow = await started.jobs.flow({
      job: 'big.total',
      data: {},
      children: Array.from({ length: 10_000 }, (_, i) => ({ job: 'big.part', data: { i } })),
    });
    const redis = server && new Redis(server.url);
    try {
      const before = redis && (await redis.info('commandstats'));
      const startedAt = performance.now();
      const answer = await started.get(`flows/${flow.id}`);
      const ms = performance.now() - startedAt;
      const again = performance.now();
      await started.get(`flows/${flow.id}`);
      const warmMs = performance.now() - again;
      const after = redis && (await redis.info('commandstats'));
      expect(answer.status).toBe(200);
      expect(answer.body.root.children).toHaveLength(100);
      expect(answer.body.root.children[0]).toMatchObject({ id: flow.children[0]!.id, state: 'waiting', name: 'big.part' });
      expect(answer.body).toMatchObject({ nodes: 101, capped: true, root: { state: 'waiting-children', moreChildren: 9900 } });
      expect(answer.body.root.moreCapped).toBeUndefined();
      expect(answer.bytes).toBeLessThan(30_000);
      console.log(`${engine}: flows/:id of a parent of 10,000 children: ${ms.toFixed(1)} ms (again: ${warmMs.toFixed(1)} ms), ${answer.bytes} bytes${redis ? `, ${commands(after!) - commands(before!)} Redis commands (2 reads)` : ''}`);
    } finally {
      redis?.disconnect();
    }
  });
});

/** The commands Redis ran (INFO commandstats, those inside scripts included), INFO itself aside. */
function commands(info: string): number {
  let total = 0;
  for (const [, name, calls] of info.matchAll(/^cmdstat_(\w+):calls=(\d+)/gm)) if (name !== 'info') total += Number(calls);
  return total;
}
