import { Injectable, Module, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { BackgroundModule, Job, JobsService, type BackgroundModuleOptions } from '../lib/index.js';
import { BackgroundDashboardModule, type BackgroundDashboardOptions } from '../lib/dashboard/index.js';
import { DashboardPoller } from '../lib/dashboard/live/dashboard.poller.js';
import { STORAGE_ENGINE, type StorageEngine } from '../lib/engine/storage-engine.interface.js';
import { CapturedLog } from './support/captured-log.js';
import { RedisServer } from './support/redis-server.js';
import { eventually } from './support/test-app.js';

/** What must never reach a response or a log line. */
const SECRET = 'hunter2-s3cret';
const STACK = /\n\s+at /;

@Injectable()
class HostileJobs {
  @Job('echo')
  echo(data: unknown) {
    return data;
  }
}

/** `x-user` is who asks; `x-user: throw` makes the application's own guard throw. */
@Injectable()
class HeaderGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest();
    const user = request.headers['x-user'];
    if (user === 'throw') throw new Error(`the session store said no (token ${SECRET})`);
    request.user = { id: user };
    return typeof user === 'string';
  }
}

/** `x-authorize` picks what authorize does: throw, reject, or answer that value (JSON). */
const hostileOptions: BackgroundDashboardOptions = {
  authorize: (request, action) => {
    const mode = request.headers['x-authorize'];
    if (mode === 'throw') throw new Error('the policy engine is down');
    if (mode === 'reject') return Promise.reject(new Error('the policy engine timed out'));
    // a value String() cannot print
    if (mode === 'throw-null') throw Object.create(null);
    if (mode === 'reject-null') return Promise.reject(Object.create(null));
    if (mode === 'promise') return Promise.resolve('true') as never;
    if (mode !== undefined) return JSON.parse(mode);
    return action === 'read' || request.user?.id === 'admin';
  },
  actor: (request) => (request.headers['x-actor'] === undefined ? request.user?.id : decodeURIComponent(request.headers['x-actor'])),
  redact: (job) => {
    const mode = (job.data as { mode?: string })?.mode;
    if (mode === 'null-log') return { ...job, logs: [null as never, 5 as never] };
    if (mode === 'odd-errors') return { ...job, errors: [null as never, { message: 5 as never, stack: {} as never }] };
    if (mode === 'getter') {
      return Object.defineProperty({ ...job }, 'data', {
        get() {
          throw new Error('no');
        },
      });
    }
    if (mode === 'bigint') return { ...job, data: { big: 10n } };
    return job;
  },
  auditMaxEntries: 25,
  pollMs: 200,
};

async function startApp(background: BackgroundModuleOptions, log = new CapturedLog()) {
  @Module({
    imports: [BackgroundModule.forRoot(background), BackgroundDashboardModule.forRoot({ ...hostileOptions, guards: [HeaderGuard] })],
    providers: [HostileJobs],
  })
  class HostileApp {}
  const app = await NestFactory.create(HostileApp, { logger: log });
  await app.listen(0, '127.0.0.1');
  const base = `${(await app.getUrl()).replace('[::1]', '127.0.0.1')}/jobs-dashboard/api`;
  const call = async (method: string, path: string, init: { headers?: Record<string, string>; body?: string } = {}) => {
    const response = await fetch(`${base}/${path}`, { method, headers: { 'x-user': 'admin', ...init.headers }, body: init.body });
    const text = await response.text();
    return { status: response.status, text, body: text.startsWith('{') ? JSON.parse(text) : undefined };
  };
  const json = (body: unknown) => ({ headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  return { app, base, log, call, json, jobs: app.get(JobsService), poller: app.get(DashboardPoller) };
}

describe.each([
  ['memory', false],
  ['Redis', true],
])('The dashboard against hostile requests on the %s engine', (_engine, onRedis) => {
  let server: RedisServer | undefined;
  let started: Awaited<ReturnType<typeof startApp>>;

  beforeAll(async () => {
    server = onRedis ? await RedisServer.start() : undefined;
  });
  beforeEach(async () => {
    started = await startApp(server ? { connection: server.url, prefix: 'hostile' } : { storage: 'memory' });
  });
  afterEach(async () => {
    await started?.app.close();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('denies with 403, and never a stack, when authorize throws, rejects or answers anything but true', async () => {
    for (const mode of ['throw', 'reject', 'throw-null', 'reject-null']) {
      const denied = await started.call('GET', 'overview', { headers: { 'x-authorize': mode } });
      expect(denied.body).toEqual({ statusCode: 403, error: 'Forbidden', message: "Not allowed: read on overview (authorize threw: the server's log says why)." });
    }
    for (const mode of ['"yes"', '1', '{}', '[]', 'null', 'promise']) {
      const denied = await started.call('GET', 'overview', { headers: { 'x-authorize': mode } });
      expect([mode, denied.body]).toEqual([mode, { statusCode: 403, error: 'Forbidden', message: 'Not allowed: read on overview (authorize refused it).' }]);
    }
    expect((await started.call('POST', 'queues/default/pause', { headers: { 'x-authorize': 'throw' } })).status).toBe(403);
    expect((await started.call('GET', 'overview')).body.queues.find((queue: any) => queue.name === 'default').paused).toBe(false);
    expect(started.log.lines).toContain('warn authorize() threw for write on queue, so the request was refused: the policy engine is down');
    expect((await started.call('GET', 'audit')).body.entries[0]).toMatchObject({ action: 'pause', outcome: expect.stringMatching(/^denied: Not allowed: write on queue/) });
  });

  it('answers a guard that throws with 500 alone: no stack, no message, nothing done', async () => {
    const failed = await started.call('POST', 'queues/default/pause', { headers: { 'x-user': 'throw' } });
    expect(failed.body).toEqual({ statusCode: 500, message: 'Internal server error' });
    expect((await started.call('GET', 'overview')).body.queues.find((queue: any) => queue.name === 'default').paused).toBe(false);
  });

  it('answers odd query and path parameters with 400 or 404 and a bounded message, never 500', async () => {
    const long = 'x'.repeat(10_000);
    const { id } = await started.jobs.enqueue('echo', { n: 1 }, { delayMs: 3_600_000 });
    const cases: [string, number][] = [
      ['queues/default/jobs?limit=0', 400],
      ['queues/default/jobs?limit=-1', 400],
      ['queues/default/jobs?limit=1e9', 400],
      ['queues/default/jobs?limit=NaN', 400],
      ['queues/default/jobs?limit=1&limit=2', 400],
      ['queues/default/jobs?cursor=99999999999999999999', 400],
      ['queues/default/jobs?cursor=abc', 400],
      ['queues/default/jobs?cursor=-5', 200],
      ['queues/default/jobs?state=__proto__', 400],
      ['queues/default/jobs?state=constructor', 400],
      [`queues/default/jobs?q=${encodeURIComponent('\u0000\u001b[31m\n__proto__')}`, 200],
      [`queues/default/jobs?q=${long}`, 400],
      ['queues/__proto__/jobs', 404],
      [`queues/${long}/jobs`, 404],
      ['history?queue=__proto__', 404],
      ['history?queue=default&range=constructor', 400],
      [`jobs/${id}/full?field=__proto__`, 404],
      [`jobs/${id}/full?field=constructor`, 404],
      ['jobs/a%2Fb', 404],
      ['jobs/%00', 404],
      [`jobs/${long}`, 404],
      ['audit?cursor=99999999999999999999', 400],
      ['audit?cursor=-1', 200],
      ['dead-letters/groups?queue=__proto__', 404],
    ];
    for (const [path, status] of cases) {
      const answer = await started.call('GET', path);
      expect([path.slice(0, 80), answer.status]).toEqual([path.slice(0, 80), status]);
      expect(answer.text.length).toBeLessThan(status === 200 ? 100_000 : 600);
      expect(answer.text).not.toMatch(STACK);
    }
    for (const path of [`schedules/${long}/pause`, `breakers/${long}/open`, `dead-letters/groups/${long}/purge`, `jobs/${long}/retry`]) {
      const answer = await started.call('POST', path, started.json({ confirm: long }));
      expect([path.slice(0, 40), answer.status < 500, answer.text.length < 600]).toEqual([path.slice(0, 40), true, true]);
    }
  });

  it('refuses bodies that are not an object, too big, or confirming something else', async () => {
    const bulk = (body: string) => started.call('POST', 'queues/default/bulk', started.json(body));
    expect((await bulk('"default"')).status).toBe(400);
    expect((await bulk('null')).status).toBe(400);
    expect((await bulk('[]')).status).toBe(400);
    expect((await bulk('{')).status).toBe(400);
    expect((await bulk(JSON.stringify({ action: 'cancel', state: 'delayed', confirm: 'other' }))).body.message).toBe(
      'This action is destructive: send the body {"confirm": "default"} to confirm it.',
    );
    expect((await bulk(JSON.stringify({ action: 'cancel', state: 'delayed', confirm: ['default'] }))).status).toBe(400);
    expect((await bulk(JSON.stringify({ action: 'cancel', state: 'delayed', __proto__: { confirm: 'default' } }))).status).toBe(400);
    expect((await bulk(JSON.stringify({ action: 'cancel', state: 'delayed', pad: 'x'.repeat(200_000), confirm: 'default' }))).status).toBe(413);
    expect((await bulk('['.repeat(50_000) + ']'.repeat(50_000))).status).toBe(400);
    const { id } = await started.jobs.enqueue('echo', { n: 1 }, { delayMs: 3_600_000 });
    const other = await started.call('POST', 'dead-letters/groups/0123456789abcdef/purge', started.json({ confirm: 'fedcba9876543210' }));
    expect(other.status).toBe(400);
    expect((await started.jobs.getJob(id))!.state).toBe('delayed');
  });

  it('refuses writes a page of another site could send, and does nothing on GET, HEAD or OPTIONS', async () => {
    const pause = (headers: Record<string, string>, body?: string) => started.call('POST', 'queues/default/pause', { headers, body });
    const paused = async () => (await started.call('GET', 'overview')).body.queues.find((queue: any) => queue.name === 'default').paused;
    expect((await started.call('GET', 'queues/default/pause')).status).toBe(404);
    expect((await started.call('HEAD', 'overview')).status).toBe(200);
    expect((await started.call('OPTIONS', 'queues/default/pause')).status).toBe(404);
    const notJson =
      'Writes take a JSON body (Content-Type: application/json) or none; got "text/plain". A page of any site can send text/plain and form bodies without asking, so they are refused.';
    expect((await pause({ 'content-type': 'text/plain' }, '{}')).body).toEqual({ statusCode: 415, error: 'Unsupported Media Type', message: notJson });
    expect((await pause({ 'content-type': 'text/plain', origin: 'https://evil.example' }, '{}')).status).toBe(403);
    expect((await pause({ 'content-type': 'multipart/form-data; boundary=x' }, '--x--')).status).toBe(415);
    expect((await pause({ origin: 'null' })).status).toBe(403);
    expect((await pause({ 'sec-fetch-site': 'same-site' })).status).toBe(403);
    expect((await pause({ 'sec-fetch-site': 'cross-site' })).status).toBe(403);
    expect(await paused()).toBe(false);
    const { id } = await started.jobs.enqueue('echo', { n: 1 }, { delayMs: 3_600_000 });
    const form = await started.call('POST', 'queues/default/bulk', {
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'action=cancel&state=delayed&confirm=default',
    });
    expect(form.status).toBe(415);
    expect((await started.jobs.getJob(id))!.state).toBe('delayed');
    expect((await pause({ 'sec-fetch-site': 'same-origin', 'content-type': 'application/json; charset=utf-8' }, '{}')).status).toBe(200);
    expect(await paused()).toBe(true);
  });

  it('keeps the audit log at its bound, its entries bounded and its log lines on one line', async () => {
    const actor = `eve\nINFO forged line${'x'.repeat(10_000)}`;
    const refused = await started.call('POST', `queues/${'q'.repeat(5_000)}/pause`, { headers: { 'x-user': 'viewer', 'x-actor': encodeURIComponent(actor) } });
    expect(refused.status).toBe(403);
    const [entry] = (await started.call('GET', 'audit')).body.entries;
    expect(entry.actor.length).toBeLessThanOrEqual(200);
    expect(entry.target.queue.length).toBeLessThanOrEqual(200);
    for (let n = 0; n < 40; n++) await started.call('POST', 'queues/default/resume');
    expect((await started.call('GET', 'audit')).body).toMatchObject({ entries: { length: 25 }, next: null });
    if (server) {
      const probe = server.client();
      try {
        expect(await probe.llen('hostile:audit')).toBe(25);
        // an audit key that is not a list: the write goes on, and the warning stays one line
        await probe.set('hostile:audit', 'not a list');
        expect((await started.call('POST', 'queues/default/resume', { headers: { 'x-actor': encodeURIComponent('eve\nINFO forged') } })).status).toBe(200);
        const warning = started.log.lines.find((line) => line.startsWith('warn Could not store an audit entry'));
        expect(warning).toMatch(/^warn Could not store an audit entry \(resume by eve\\nINFO forged\): WRONGTYPE/);
      } finally {
        await probe.del('hostile:audit');
        await probe.quit();
      }
    }
  });

  it("shows a job whatever redact() returns for it, and nothing of it when that cannot be shown", async () => {
    for (const mode of ['null-log', 'odd-errors', 'getter', 'bigint']) {
      const { id } = await started.jobs.enqueue('echo', { mode, secret: SECRET }, { delayMs: 3_600_000 });
      const detail = await started.call('GET', `jobs/${id}`);
      expect([mode, detail.status]).toEqual([mode, 200]);
      if (mode === 'getter') expect(detail.body.data).toBe(JSON.stringify('[hidden: redact() threw no]'));
      if (mode === 'getter') expect(detail.text).not.toContain(SECRET);
      expect((await started.call('GET', 'queues/default/jobs?state=delayed')).status).toBe(200);
      expect((await started.call('GET', `jobs/${id}/full?field=data`)).status).toBeLessThan(500);
    }
  });

  it('leaves no client, poll or watched queue behind streams opened and closed fast', async () => {
    const { poller } = started;
    const open = () => fetch(`${started.base}/stream?queue=default`, { headers: { 'x-user': 'viewer' } }).then((response) => response.body!.getReader());
    // held open throughout, watching a queue that does not exist: it is not read
    const held = await fetch(`${started.base}/stream?queue=nowhere`, { headers: { 'x-user': 'viewer' } }).then((response) => response.body!.getReader());
    for (let round = 0; round < 3; round++) {
      const tabs = await Promise.all(Array.from({ length: 15 }, open));
      await Promise.all(tabs.map((tab) => tab.read()));
      await Promise.all(tabs.map((tab) => tab.cancel()));
    }
    const state = poller as unknown as { clients: Set<unknown>; lastJobs: Map<string, string>; timer: unknown };
    await eventually('the closed streams to be gone, and their queue no longer read', () => state.clients.size === 1 && state.lastJobs.size === 0);
    await held.cancel();
    await eventually('the poller to stop', () => state.clients.size === 0 && state.timer === null);
  });

  it('closes promptly with streams open', async () => {
    const open = () => fetch(`${started.base}/stream?queue=default`, { headers: { 'x-user': 'viewer' } }).then((response) => response.body!.getReader());
    const tabs = await Promise.all(Array.from({ length: 10 }, open));
    await Promise.all(tabs.map((tab) => tab.read()));
    const closing = Date.now();
    await started.app.close();
    expect(Date.now() - closing).toBeLessThan(3_000);
    await Promise.all(tabs.map((tab) => tab.cancel().catch(() => undefined)));
  });

  it('ends at once a stream a tab reopens while the application shuts down, and polls no more', async () => {
    // an EventSource reconnects by itself: one that comes back between the destroy hooks and the
    // server's close used to restart the poller and hold app.close() for its keep-alive (about 60 s)
    const { poller } = started;
    poller.onModuleDestroy();
    const polls = poller.polls;
    let disconnected = false;
    const events: string[] = [];
    const ended = new Promise<void>((resolve) =>
      poller.stream('default', () => (disconnected = true)).subscribe({ next: (event) => events.push(String(event.type)), complete: resolve }),
    );
    await ended;
    expect({ events, disconnected }).toEqual({ events: [], disconnected: true });
    const state = poller as unknown as { clients: Set<unknown>; timer: unknown };
    expect({ clients: state.clients.size, timer: state.timer, polls: poller.polls }).toEqual({ clients: 0, timer: null, polls });
  });
});

describe('The dashboard on Redis, against a hostile clock and a look for credentials', () => {
  let server: RedisServer;
  beforeAll(async () => {
    server = await RedisServer.start({ requirepass: SECRET });
  });
  afterAll(async () => {
    await server.stop();
  });

  it('lists a live process whose clock is minutes behind, and forgets a gone one by Redis time', async () => {
    const started = await startApp({ connection: `redis://:${SECRET}@127.0.0.1:${server.port}`, prefix: 'skew', workers: false });
    try {
      const store = started.app.get<StorageEngine>(STORAGE_ENGINE).dashboard;
      const behind = Date.now() - 10 * 60_000;
      await store.publishProcess('slow-clock', { id: 'slow-clock', host: 'h', pid: 1, startedAt: behind, seenAt: behind, workers: [], handlers: [] }, 45_000);
      expect((await store.processes()).map((process) => process.id)).toContain('slow-clock');
      await store.publishProcess('gone', { id: 'gone', host: 'h', pid: 2, startedAt: Date.now(), seenAt: Date.now(), workers: [], handlers: [] }, 1);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect((await store.processes()).map((process) => process.id)).not.toContain('gone');
      // the history's keys expire, whatever minute a skewed process counted in
      const hour = 3_600_000;
      await store.addActivity(new Map([['default', new Map([[0, { completed: 1, failed: 0 }], [Date.now() + 48 * hour, { completed: 1, failed: 1 }]])]]));
      const probe = server.client();
      try {
        const keys = await probe.keys('{skew:default}:h:*');
        expect(keys).toHaveLength(2);
        for (const key of keys) expect(await probe.ttl(key)).toBeGreaterThan(72 * 3600);
        for (const key of keys) expect(await probe.ttl(key)).toBeLessThanOrEqual(73 * 3600);
      } finally {
        await probe.quit();
      }
    } finally {
      await started.app.close();
    }
  });

  it('shows neither the Redis password nor an Authorization header, in answers, the stream or the log, even in an outage', async () => {
    const started = await startApp({ connection: `redis://:${SECRET}@127.0.0.1:${server.port}`, prefix: 'secret', enqueueTimeoutMs: 2_000 });
    const bearer = { authorization: `Bearer ${SECRET}-token`, cookie: `session=${SECRET}` };
    const seen: string[] = [];
    try {
      for (const path of ['overview', 'workers', 'events', 'schedules', 'breakers', 'history?queue=default', 'queues/default/jobs', 'jobs/none']) {
        seen.push((await started.call('GET', path, { headers: bearer })).text);
      }
      seen.push((await started.call('POST', 'queues/default/pause', { headers: bearer })).text);
      seen.push((await started.call('GET', 'audit', { headers: bearer })).text);
      const stream = await fetch(`${started.base}/stream?queue=default`, { headers: { 'x-user': 'viewer', ...bearer } });
      const reader = stream.body!.getReader();
      seen.push(new TextDecoder().decode((await reader.read()).value));
      await server.stop();
      const outage = await started.call('GET', 'overview', { headers: bearer });
      expect(outage.status).toBe(503);
      seen.push(outage.text);
      let problem = '';
      const decoder = new TextDecoder();
      await eventually('a problem event on the open stream', async () => {
        problem += decoder.decode((await reader.read()).value);
        return problem.includes('event: problem');
      });
      seen.push(problem);
      await reader.cancel();
    } finally {
      await started.app.close();
      await server.start();
    }
    expect(seen.join('\n')).not.toContain(SECRET);
    expect(seen.join('\n')).not.toMatch(STACK);
    expect(started.log.lines.join('\n')).not.toContain(SECRET);
  });
});

describe('Two dashboards built in one process', () => {
  it("keeps each one's guards and path: the second does not open the first", async () => {
    @Injectable()
    class DenyAll implements CanActivate {
      canActivate() {
        return false;
      }
    }
    @Module({ imports: [BackgroundModule.forRoot({ storage: 'memory', workers: false }), BackgroundDashboardModule.forRoot({ path: 'admin/jobs', guards: [DenyAll] })] })
    class Guarded {}
    @Module({ imports: [BackgroundModule.forRoot({ storage: 'memory', workers: false }), BackgroundDashboardModule.forRoot({ path: 'open/jobs', readOnly: true })] })
    class Open {}
    const apps = [await NestFactory.create(Guarded, { logger: false }), await NestFactory.create(Open, { logger: false })];
    try {
      const [guarded, open] = await Promise.all(apps.map(async (app) => (await app.listen(0, '127.0.0.1'), (await app.getUrl()).replace('[::1]', '127.0.0.1'))));
      expect((await fetch(`${guarded}/admin/jobs/api/overview`)).status).toBe(403);
      expect((await fetch(`${guarded}/open/jobs/api/overview`)).status).toBe(404);
      expect((await fetch(`${open}/open/jobs/api/overview`)).status).toBe(200);
    } finally {
      for (const app of apps) await app.close();
    }
  });
});
