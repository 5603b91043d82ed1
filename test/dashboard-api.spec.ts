import { jest } from '@jest/globals';
import { Injectable, Module, type CanActivate, type ExecutionContext, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  BackgroundModule,
  CircuitBreaker,
  Interval,
  Job,
  JobsService,
  OnEvent,
  UnrecoverableError,
  type BackgroundModuleOptions,
} from '../lib/index.js';
import { BackgroundDashboardModule, type BackgroundDashboardOptions } from '../lib/dashboard/index.js';
import { ActivityRecorder } from '../lib/activity/activity.recorder.js';
import { DashboardPoller } from '../lib/dashboard/live/dashboard.poller.js';
import { DashboardClusterReader } from '../lib/dashboard/data/dashboard-cluster.reader.js';
import { STORAGE_ENGINE, type StorageEngine } from '../lib/engine/storage-engine.interface.js';
import { RedisServer } from './support/redis-server.js';
import { eventually } from './support/test-app.js';

/** Whether the `flaky` handler fails: the dead-letter tests turn it off before a redrive. */
let failing = true;

@Injectable()
class DashboardJobs {
  @Job('echo')
  echo(data: unknown) {
    return data;
  }

  @Job('flaky', { queue: 'flaky', attempts: 1 })
  flaky() {
    if (failing) throw new UnrecoverableError('the partner said no');
    return 'fine';
  }

  @Interval('tick', 3_600_000)
  tick() {}

  @Job('partner.call', { queue: 'partner' })
  @CircuitBreaker('partner', { failureThreshold: 5, windowMs: 60_000, resetTimeoutMs: 60_000, halfOpenProbes: 1 })
  partnerCall() {}

  @OnEvent('order.placed', { queue: 'orders' })
  onOrderPlaced() {}
}

/** Who is asking comes in the `x-user` header; none: 403 (the application's own authentication, as a guard). */
@Injectable()
class HeaderAuthGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest();
    const user = request.headers['x-user'];
    if (typeof user !== 'string') return false;
    request.user = { id: user };
    return true;
  }
}

const dashboardOptions: BackgroundDashboardOptions = {
  // viewers read; admins do everything
  authorize: (request, action) => action === 'read' || request.user?.id === 'admin',
  redact: (job) => ({ ...job, data: hideCard(job.data) }),
};

function hideCard(data: unknown): unknown {
  if (data && typeof data === 'object' && 'card' in data) return { ...data, card: '[hidden]' };
  return data;
}

async function startApp(background: BackgroundModuleOptions, dashboard: BackgroundDashboardOptions = dashboardOptions) {
  @Module({
    imports: [BackgroundModule.forRoot(background), BackgroundDashboardModule.forRoot({ ...dashboard, guards: [HeaderAuthGuard] })],
    providers: [DashboardJobs],
  })
  class AppModule {}
  const app = await NestFactory.create(AppModule, { logger: false });
  await app.listen(0, '127.0.0.1');
  const base = `${(await app.getUrl()).replace('[::1]', '127.0.0.1')}/jobs-dashboard/api`;
  const call = async (method: string, path: string, options: { user?: string; body?: unknown; headers?: Record<string, string> } = {}) => {
    const headers: Record<string, string> = { ...(options.user ? { 'x-user': options.user } : {}), ...options.headers };
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${base}/${path}`, { method, headers, body: options.body === undefined ? undefined : JSON.stringify(options.body) });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  };
  return { app, base, call, get: (path: string, user = 'viewer') => call('GET', path, { user }) };
}

type Started = Awaited<ReturnType<typeof startApp>>;

/** Reads a server-sent-events stream until `found` accepts an event or the deadline passes. */
async function awaitEvent(url: string, user: string, found: (type: string, data: any) => boolean, timeoutMs = 30_000) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  let reading: ReadableStreamDefaultReader<Uint8Array> | undefined;
  try {
    const response = await fetch(url, { headers: { 'x-user': user }, signal: controller.signal });
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) throw new Error('the stream ended');
      reading = reader;
      buffer += decoder.decode(value, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const type = /^event: (.*)$/m.exec(block)?.[1] ?? 'message';
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (data !== undefined && found(type, JSON.parse(data))) return;
      }
    }
  } finally {
    clearTimeout(timer);
    // the connection is closed at once, rather than when the server next writes to it
    await reading?.cancel().catch(() => undefined);
    controller.abort();
  }
}

describe.each([
  ['memory', false],
  ['Redis', true],
])('The dashboard API on the %s engine', (_engine, onRedis) => {
  let server: RedisServer | undefined;
  let started: Started;
  let options: BackgroundModuleOptions;

  beforeAll(async () => {
    server = onRedis ? await RedisServer.start() : undefined;
    options = server ? { connection: server.url, prefix: 'dash' } : { storage: 'memory' };
  });
  beforeEach(async () => {
    failing = true;
    started = await startApp(options);
  });
  afterEach(async () => {
    await started?.app.close();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('answers 403 without the guard, on the API and the stream alike', async () => {
    expect((await started.call('GET', 'overview')).status).toBe(403);
    const stream = await fetch(`${started.base}/stream`);
    expect(stream.status).toBe(403);
    await stream.body?.cancel();
    expect((await started.get('overview')).status).toBe(200);
  });

  it('refuses writes to a read-only user with 403, and records the refusal', async () => {
    const refused = await started.call('POST', 'queues/default/pause', { user: 'viewer' });
    expect(refused).toEqual({ status: 403, body: { statusCode: 403, error: 'Forbidden', message: 'Not allowed: write on queue (authorize refused it).' } });
    const audit = await started.get('audit');
    expect(audit.body.entries[0]).toMatchObject({
      actor: 'viewer',
      action: 'pause',
      target: { kind: 'queue', queue: 'default' },
      outcome: 'denied: Not allowed: write on queue (authorize refused it).',
    });
  });

  it('refuses a write from another origin', async () => {
    const refused = await started.call('POST', 'queues/default/pause', { user: 'admin', headers: { origin: 'https://evil.example' } });
    expect(refused.status).toBe(403);
    expect(refused.body.message).toBe(
      "Refused a write from another site (https://evil.example). Send writes from the dashboard's own origin, or add it to allowedOrigins.",
    );
    const fetchSite = await started.call('POST', 'queues/default/pause', { user: 'admin', headers: { 'sec-fetch-site': 'cross-site' } });
    expect(fetchSite.status).toBe(403);
    const own = new URL(started.base).origin;
    expect((await started.call('POST', 'queues/default/pause', { user: 'admin', headers: { origin: own } })).status).toBe(200);
    expect((await started.get('overview')).body.queues.find((queue: any) => queue.name === 'default').paused).toBe(true);
    await started.call('POST', 'queues/default/resume', { user: 'admin' });
  });

  it('asks a destructive write for its confirmation with 400, saying what to send', async () => {
    const unconfirmed = await started.call('POST', 'queues/default/bulk', { user: 'admin', body: { action: 'cancel', state: 'delayed' } });
    expect(unconfirmed).toEqual({
      status: 400,
      body: { statusCode: 400, error: 'Bad Request', message: 'This action is destructive: send the body {"confirm": "default"} to confirm it.' },
    });
    const jobs = started.app.get(JobsService);
    const { id } = await jobs.enqueue('echo', { bulk: 'yes' }, { delayMs: 3_600_000 });
    // with q: the schedule's next tick waits among the delayed jobs too
    const body = { action: 'cancel', state: 'delayed', q: '"bulk"', confirm: 'default' };
    const done = await started.call('POST', 'queues/default/bulk', { user: 'admin', body });
    expect(done).toEqual({ status: 200, body: { matched: 1, done: 1, scanned: 2, capped: false } });
    expect((await jobs.getJob(id))!.state).toBe('cancelled');
  });

  it('applies redact to lists, details and search before anything is sent', async () => {
    const jobs = started.app.get(JobsService);
    // looked for whole: a part of it ('4111') may be in any timestamp of the reply
    const card = '4111 1111 1111 1111';
    const { id } = await jobs.enqueue('echo', { card, order: 'A-17' }, { delayMs: 3_600_000 });
    const detail = await started.get(`jobs/${id}`);
    expect(detail.status).toBe(200);
    expect(JSON.parse(detail.body.data)).toEqual({ card: '[hidden]', order: 'A-17' });
    const list = await started.get('queues/default/jobs?state=delayed');
    expect(JSON.stringify(list.body)).not.toContain(card);
    expect(list.body.jobs.map((job: any) => job.id)).toContain(id);
    expect((await started.get(`queues/default/jobs?state=delayed&q=${encodeURIComponent(card)}`)).body).toMatchObject({ jobs: [], capped: false });
    expect((await started.get('queues/default/jobs?state=delayed&q=A-17')).body.jobs.map((job: any) => job.id)).toEqual([id]);
    expect((await started.get(`jobs/${id}/full?field=data`)).body.value).not.toContain(card);
    await jobs.cancel(id);
  });

  it('cuts long texts, and gives the whole of one on asking', async () => {
    const jobs = started.app.get(JobsService);
    const { id } = await jobs.enqueue('echo', { text: 'x'.repeat(10_000) }, { delayMs: 3_600_000 });
    const detail = await started.get(`jobs/${id}`);
    expect(detail.body).toMatchObject({ truncated: true, truncatedFields: ['data'] });
    expect(detail.body.data).toHaveLength(4096);
    expect((await started.get(`jobs/${id}/full?field=data`)).body.value).toContain('x'.repeat(10_000));
    await jobs.cancel(id);
  });

  it('groups dead letters by error and redrives a group', async () => {
    const jobs = started.app.get(JobsService);
    const ids = await Promise.all([1, 2, 3].map(async (n) => (await jobs.enqueue('flaky', { n })).id));
    await eventually('three dead jobs', async () => (await jobs.countDead({ queue: 'flaky' })) === 3);
    const { body } = await started.get('dead-letters/groups?queue=flaky');
    expect(body.groups).toHaveLength(1);
    const [group] = body.groups;
    expect(group).toMatchObject({ queue: 'flaky', message: 'the partner said no', count: 3 });
    expect(await started.call('POST', `dead-letters/groups/${group.key}/redrive`, { user: 'admin', body: {} })).toMatchObject({ status: 400 });
    failing = false;
    const redriven = await started.call('POST', `dead-letters/groups/${group.key}/redrive`, { user: 'admin', body: { confirm: group.key } });
    expect(redriven).toEqual({ status: 200, body: { redriven: 3 } });
    for (const id of ids) await expect(jobs.waitFor(id, { timeoutMs: 30_000 })).resolves.toBe('fine');
    const audit = (await started.get('audit')).body.entries;
    expect(audit[0]).toMatchObject({ actor: 'admin', action: 'redrive group', target: { kind: 'dead-letters', key: group.key }, outcome: 'ok (redriven: 3)' });
  });

  it('polls once per process however many tabs are open, and not at all with none', async () => {
    const poller = started.app.get(DashboardPoller);
    const open = () => fetch(`${started.base}/stream`, { headers: { 'x-user': 'viewer' } }).then((response) => response.body!.getReader());
    const tabs = await Promise.all([open(), open(), open()]);
    await Promise.all(tabs.map((tab) => tab.read()));
    const first = poller.polls;
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    // one poll a second for the three of them (a busy machine may manage fewer), not three
    expect(poller.polls - first).toBeLessThanOrEqual(4);
    expect(poller.polls - first).toBeGreaterThanOrEqual(1);
    await Promise.all(tabs.map((tab) => tab.cancel()));
    await eventually('the poller to stop once no tab is open', async () => {
      const before = poller.polls;
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      return poller.polls === before;
    });
  });

  it('ends the open streams as the application closes, rather than waiting for their keep-alive timeout (5 s)', async () => {
    const response = await fetch(`${started.base}/stream`, { headers: { 'x-user': 'viewer' } });
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const reader = response.body!.getReader();
    await reader.read();
    const closing = Date.now();
    await started.app.close();
    expect(Date.now() - closing).toBeLessThan(3_000);
    await reader.cancel().catch(() => undefined);
  });

  it('shows a new job on an open stream within 2 s, without a reload', async () => {
    const jobs = started.app.get(JobsService);
    let id = '';
    let enqueuedAt = 0;
    // paused, so that the job waits rather than running and leaving before a poll
    await jobs.pause('default');
    const seen = awaitEvent(`${started.base}/stream?queue=default`, 'viewer', (type, data) => {
      if (type === 'overview' && !id) {
        enqueuedAt = Date.now();
        void jobs.enqueue('echo', { live: true }, { delayMs: 0, priority: 0 }).then((job) => (id = job.id));
        return false;
      }
      return type === 'jobs' && id !== '' && [...data.waiting, ...data.active].some((job: any) => job.id === id);
    });
    try {
      await seen;
      expect(Date.now() - enqueuedAt).toBeLessThan(2_000);
    } finally {
      await jobs.resume('default');
    }
  });

  it('keeps the history per minute, written every few seconds rather than per job', async () => {
    const jobs = started.app.get(JobsService);
    const done = await Promise.all([1, 2, 3].map(async (n) => (await jobs.enqueue('echo', { n })).id));
    for (const id of done) await jobs.waitFor(id, { timeoutMs: 30_000 });
    // written by the next flush (every 5 s, or asked for here); read until it shows, with a deadline
    let history: { body: any } = { body: null };
    await eventually('the three jobs in the history', async () => {
      await started.app.get(ActivityRecorder).flush();
      history = await started.get('history?queue=default&range=1h');
      return history.body.points.reduce((sum: number, point: any) => sum + point.completed, 0) >= 3;
    });
    expect(history.body).toMatchObject({ queue: 'default', stepMs: 60_000 });
    expect(history.body.points).toHaveLength(60);
  });

  it('keeps the history in whole minutes when the clock turns a minute while it is read', async () => {
    const minute = Date.now() - (Date.now() % 60_000);
    const engine = started.app.get<StorageEngine>(STORAGE_ENGINE);
    await engine.dashboard.addActivity(new Map([['default', new Map([[minute - 60_000, { completed: 2, failed: 0 }]])]]));
    // the last millisecond of a minute, then the first of the next: the range is read from one of them
    const clock = jest.spyOn(Date, 'now').mockReturnValueOnce(minute - 1).mockReturnValueOnce(minute);
    let history: Awaited<ReturnType<DashboardClusterReader['history']>>;
    try {
      history = await started.app.get(DashboardClusterReader).history('default', '1h');
    } finally {
      clock.mockRestore();
    }
    expect(history.points.filter((point) => point.t % 60_000 !== 0)).toEqual([]);
    expect(history.points.reduce((sum, point) => sum + point.completed, 0)).toBe(2);
  });

  it('lists the processes and their workers, and schedules, breakers and event subscribers', async () => {
    await eventually('this process on the workers page', async () => {
      const { body } = await started.get('workers');
      return body.processes.some((process: any) => process.pid === process_pid() && process.workers.some((worker: any) => worker.queue === 'default'));
    });
    const overview = (await started.get('overview')).body;
    expect(overview.queues.find((queue: any) => queue.name === 'default')).toMatchObject({ workers: 1, missingHandlers: [] });
    expect((await started.get('schedules')).body.schedules.map((schedule: any) => schedule.name)).toContain('tick');
  });

  it("triggers a schedule, opens and resets a breaker, and counts a subscriber's backlog", async () => {
    const jobs = started.app.get(JobsService);
    const triggered = await started.call('POST', 'schedules/tick/trigger', { user: 'admin' });
    expect(triggered.status).toBe(200);
    await expect(jobs.waitFor(triggered.body.id, { timeoutMs: 30_000 })).resolves.toBeUndefined();
    expect(await started.call('POST', 'breakers/partner/open', { user: 'admin' })).toEqual({ status: 200, body: { state: 'open' } });
    expect((await started.get('breakers')).body.breakers).toMatchObject([{ name: 'partner', queue: 'partner', state: 'open', openedByHand: true }]);
    expect(await started.call('POST', 'breakers/partner/reset', { user: 'admin' })).toEqual({ status: 200, body: { state: 'closed' } });
    expect((await started.get('breakers')).body.breakers).toMatchObject([{ name: 'partner', state: 'closed' }]);
    expect((await started.call('POST', 'breakers/nothing/open', { user: 'admin' })).status).toBe(400);
    await jobs.pause('orders');
    try {
      await jobs.emit('order.placed', { id: 1 });
      await jobs.emit('order.placed', { id: 2 });
      expect((await started.get('events')).body.subscriptions).toEqual([
        expect.objectContaining({ name: 'DashboardJobs@onOrderPlaced', patterns: ['order.placed'], queue: 'orders', backlog: 2, backlogCapped: false }),
      ]);
    } finally {
      await jobs.resume('orders');
    }
  });

  it('purges a dead-letter group, confirmed with its key', async () => {
    const jobs = started.app.get(JobsService);
    await Promise.all([1, 2].map((n) => jobs.enqueue('flaky', { n })));
    await eventually('two dead jobs', async () => (await jobs.countDead({ queue: 'flaky' })) === 2);
    const [group] = (await started.get('dead-letters/groups')).body.groups;
    expect(group).toMatchObject({ queue: 'flaky', count: 2 });
    expect(await started.call('POST', `dead-letters/groups/${group.key}/purge`, { user: 'admin', body: { confirm: group.key } })).toEqual({
      status: 200,
      body: { purged: 2 },
    });
    expect(await jobs.countDead({ queue: 'flaky' })).toBe(0);
    expect((await started.call('POST', `dead-letters/groups/${group.key}/purge`, { user: 'admin', body: { confirm: group.key } })).status).toBe(404);
  });
});

describe('The dashboard module, mounted as the application says', () => {
  let app: INestApplication | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it('takes forRootAsync options, a path of its own, the global prefix and the global guards', async () => {
    let globalGuardRan = 0;
    @Module({
      imports: [
        BackgroundModule.forRoot({ storage: 'memory', workers: false }),
        BackgroundDashboardModule.forRootAsync({ path: '/ops/jobs/', useFactory: async () => ({ readOnly: true }) }),
      ],
      providers: [DashboardJobs],
    })
    class AsyncModule {}
    app = await NestFactory.create(AsyncModule, { logger: false });
    app.setGlobalPrefix('v1');
    app.useGlobalGuards({ canActivate: () => (globalGuardRan++, true) });
    await app.listen(0, '127.0.0.1');
    const base = `${(await app.getUrl()).replace('[::1]', '127.0.0.1')}/v1/ops/jobs`;
    const overview = await fetch(`${base}/api/overview`);
    expect(overview.status).toBe(200);
    expect(globalGuardRan).toBe(1);
    expect((await fetch(`${base}/api/queues/default/pause`, { method: 'POST' })).status).toBe(403);
    expect(((await (await fetch(`${base}/api/queues/default/pause`, { method: 'POST' })).json()) as any).message).toBe(
      'The dashboard is read-only (readOnly: true): writes are refused.',
    );
    expect((await fetch(`${base}`)).headers.get('content-type')).toContain('text/html');
    expect((await fetch(`${base}/api/overview`.replace('/v1', ''))).status).toBe(404);
  });

  it('warns on the overview when jobs wait and no live worker has their handler', async () => {
    @Module({
      imports: [BackgroundModule.forRoot({ storage: 'memory', workers: false }), BackgroundDashboardModule.forRoot({ authorize: () => true })],
      providers: [DashboardJobs],
    })
    class ProducerOnly {}
    app = await NestFactory.create(ProducerOnly, { logger: false });
    await app.listen(0, '127.0.0.1');
    await app.get(JobsService).enqueue('echo', { n: 1 });
    const base = `${(await app.getUrl()).replace('[::1]', '127.0.0.1')}/jobs-dashboard/api`;
    const overview = (await (await fetch(`${base}/overview`)).json()) as any;
    expect(overview.queues.find((queue: any) => queue.name === 'default')).toMatchObject({
      counts: { waiting: 1 },
      byPriority: { '0': 1 },
      workers: 0,
      missingHandlers: ['echo'],
      paused: false,
    });
  });

  it('sends none of a job whose redact() throws or returns nothing useful', async () => {
    @Module({
      imports: [
        BackgroundModule.forRoot({ storage: 'memory', workers: false }),
        BackgroundDashboardModule.forRoot({
          authorize: () => true,
          redact: (job) => {
            if ((job.data as { n: number }).n === 1) throw new Error('cannot');
            return 'nothing' as never;
          },
        }),
      ],
      providers: [DashboardJobs],
    })
    class BadRedact {}
    app = await NestFactory.create(BadRedact, { logger: false });
    await app.listen(0, '127.0.0.1');
    const jobs = app.get(JobsService);
    const base = `${(await app.getUrl()).replace('[::1]', '127.0.0.1')}/jobs-dashboard/api`;
    for (const [n, reason] of [
      [1, 'cannot'],
      [2, 'it returned no job (return the job it was given, with fields replaced)'],
    ] as const) {
      const { id } = await jobs.enqueue('echo', { n, secret: 'hunter2' });
      const detail = (await (await fetch(`${base}/jobs/${id}`)).json()) as any;
      expect(detail.data).toBe(JSON.stringify(`[hidden: redact() threw ${reason}]`, null, 2));
      const list = await (await fetch(`${base}/queues/default/jobs`)).text();
      expect(list).not.toContain('hunter2');
    }
  });

  it('answers hostile query parameters with 400 and what is expected', async () => {
    @Module({
      imports: [BackgroundModule.forRoot({ storage: 'memory' }), BackgroundDashboardModule.forRoot({ authorize: () => true })],
      providers: [DashboardJobs],
    })
    class Plain {}
    app = await NestFactory.create(Plain, { logger: false });
    await app.listen(0, '127.0.0.1');
    const base = `${(await app.getUrl()).replace('[::1]', '127.0.0.1')}/jobs-dashboard/api`;
    const message = async (path: string) => {
      const response = await fetch(`${base}/${path}`);
      return [response.status, ((await response.json()) as { message?: string }).message];
    };
    expect(await message('queues/default/jobs?state=exploded')).toEqual([
      400,
      'Query parameter "state" must be one of waiting, active, delayed, failed, completed, dead, cancelled; got "exploded".',
    ]);
    expect(await message('queues/default/jobs?limit=100000')).toEqual([400, 'Query parameter "limit" must be an integer from 1 to 100; got "100000".']);
    expect(await message(`queues/default/jobs?q=${'x'.repeat(300)}`)).toEqual([
      400,
      `Query parameter "q" must be a string of at most 200 characters; got "${'x'.repeat(300)}".`,
    ]);
    expect(await message('queues/default/jobs?state=waiting&state=dead')).toEqual([
      400,
      'Query parameter "state" must be one of waiting, active, delayed, failed, completed, dead, cancelled; got ["waiting","dead"].',
    ]);
    expect(await message('queues/nowhere/jobs')).toEqual([404, 'No queue is named "nowhere".']);
    expect(await message('jobs/nothing-here')).toEqual([404, 'No job has the id "nothing-here" (it may have been trimmed by retention).']);
    expect(await message('history?queue=default&range=1y')).toEqual([400, 'Query parameter "range" must be one of 1h, 24h, 72h; got "1y".']);
    expect(await message('queues/default/jobs?cursor=-5&limit=1')).toEqual([200, undefined]);
  });
});

function process_pid(): number {
  return process.pid;
}

describe('The dashboard on Redis, across a restart', () => {
  let server: RedisServer;
  beforeAll(async () => {
    server = await RedisServer.start();
  });
  afterAll(async () => {
    await server.stop();
  });

  it('writes the history once per flush, not once per job', async () => {
    const started = await startApp({ connection: server.url, prefix: 'rounds' });
    const probe = server.client();
    try {
      const calls = async () => Number(/cmdstat_hincrby:calls=(\d+)/.exec(await probe.info('commandstats'))?.[1] ?? 0);
      const jobs = started.app.get(JobsService);
      await started.app.get(ActivityRecorder).flush();
      const before = await calls();
      const ids = (await jobs.enqueueMany(Array.from({ length: 200 }, (_, n) => ({ name: 'echo', data: { n } })))).map((job) => job.id);
      for (const id of ids) await jobs.waitFor(id, { timeoutMs: 30_000 });
      await started.app.get(ActivityRecorder).flush();
      // one HINCRBY per minute the 200 jobs finished in (two if a minute turned meanwhile), and
      // perhaps one of a timed flush between
      expect((await calls()) - before).toBeLessThanOrEqual(4);
      const points = (await started.get('history?queue=default&range=1h')).body.points;
      expect(points.reduce((sum: number, point: any) => sum + point.completed, 0)).toBe(200);
    } finally {
      await probe.quit();
      await started.app.close();
    }
  });

  it('keeps a schedule paused through the API paused after the application restarts, and audits it', async () => {
    const options = { connection: server.url, prefix: 'restart' };
    const first = await startApp(options);
    try {
      expect(await first.call('POST', 'schedules/tick/pause', { user: 'admin' })).toEqual({ status: 200, body: { paused: true } });
    } finally {
      await first.app.close();
    }
    const second = await startApp(options);
    try {
      const tick = (await second.get('schedules')).body.schedules.find((schedule: any) => schedule.name === 'tick');
      expect(tick.paused).toBe(true);
      expect((await second.get('audit')).body.entries[0]).toMatchObject({
        actor: 'admin',
        action: 'pause',
        target: { kind: 'schedule', name: 'tick' },
        outcome: 'ok (paused: true)',
      });
    } finally {
      await second.app.close();
    }
  });
});

describe('The dashboard in production', () => {
  const env = process.env.NODE_ENV;
  afterEach(() => {
    process.env.NODE_ENV = env;
  });

  it('refuses to start with neither guards nor authorize, naming the fix', async () => {
    process.env.NODE_ENV = 'production';
    @Module({ imports: [BackgroundModule.forRoot({ storage: 'memory' }), BackgroundDashboardModule.forRoot()] })
    class BareModule {}
    let app: INestApplication | undefined;
    try {
      await expect(NestFactory.create(BareModule, { logger: false, abortOnError: false }).then((created) => (app = created))).rejects.toThrow(
        'BackgroundDashboardModule refuses to start in production (NODE_ENV=production) with neither `guards` nor `authorize`: ' +
          'anyone could read every job and retry, cancel or purge them. Pass `guards: [YourAuthGuard]` or ' +
          '`authorize: (request, action, target) => ...` to BackgroundDashboardModule.forRoot().',
      );
    } finally {
      await app?.close();
    }
  });
});
