import { RequestMethod, type INestApplication } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants.js';
import { DiscoveryService, NestFactory } from '@nestjs/core';
import { register } from 'prom-client';
import { CircuitBreakerService, JobsService, type JobInfo } from '../lib/index.js';
import { setUpApp } from '../sample/app.setup.js';
import { OrderSubscribers } from '../sample/orders/order.subscribers.js';
import { adminNote, routes } from '../sample/routes.js';
import { SampleModule } from '../sample/sample.module.js';
import { RedisServer } from './support/redis-server.js';
import { eventually } from './support/test-app.js';

/** The token the sample's admin routes are started with in these tests. */
const TOKEN = 'e2e-admin-token-0f3c9a';

describe('the sample orders API, end to end on Redis', () => {
  const savedToken = process.env.ADMIN_TOKEN;
  let server: RedisServer;
  let app: INestApplication;
  let url: string;
  let jobs: JobsService;

  beforeAll(async () => {
    server = await RedisServer.start();
    process.env.ADMIN_TOKEN = TOKEN;
    register.clear();
    app = setUpApp(await NestFactory.create(SampleModule.register({ connection: server.url }), { logger: false }));
    await app.listen(0, '127.0.0.1');
    url = await app.getUrl();
    jobs = app.get(JobsService);
  });
  afterAll(async () => {
    await app?.close();
    await server?.stop();
    if (savedToken === undefined) delete process.env.ADMIN_TOKEN;
    else process.env.ADMIN_TOKEN = savedToken;
  });

  /** A request as the support staff send it, with the admin token unless `token` says otherwise. */
  const call = async (method: string, path: string, body?: unknown, token: string | null = TOKEN) => {
    const response = await fetch(`${url}${path}`, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(token === null ? {} : { authorization: `Bearer ${token}` }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text.startsWith('{') || text.startsWith('[') ? JSON.parse(text) : text };
  };
  const order = (email: string) => call('POST', '/orders', { email, lines: [{ sku: 'tea', quantity: 2 }] });
  /** "GET /health" from a start-up line "GET  /health    curl ...". */
  const route = (line: string) => line.split(/\s+/).slice(0, 2).join(' ');
  const smtp = async () => ((await call('GET', '/admin/breakers')).body as { name: string; state: string }[]).find((b) => b.name === 'smtp')!;

  it('places an order: the confirmation mail is sent, analytics and audit run', async () => {
    const placed = await order('ada@example.com');
    expect(placed.status).toBe(201);
    expect(placed.body.event.subscribers).toBe(3);
    const orderId = placed.body.order.id as string;
    for (const id of placed.body.event.jobIds as string[]) await jobs.waitFor(id);
    expect(await jobs.waitFor(`confirm:${orderId}`)).toEqual({ sentTo: 'ada@example.com' });
    expect((await call('GET', `/jobs/confirm:${orderId}`)).body).toMatchObject({ state: 'completed', name: 'mail.confirmation' });
    const subscribers = app.get(OrderSubscribers);
    expect(subscribers.analytics).toEqual({ orders: 1, items: 2 });
    expect(subscribers.audit.some((line) => line.endsWith(`order.placed ${orderId}`))).toBe(true);
    expect((await call('GET', `/orders/${orderId}`)).body).toMatchObject({ id: orderId, email: 'ada@example.com' });
  });

  it.each([
    ['GET', '/jobs/confirm:1'],
    ['GET', '/admin/dead-letters'],
    ['POST', '/admin/dead-letters/redrive'],
    ['POST', '/admin/dead-letters/some-id/redrive'],
    ['GET', '/admin/breakers'],
    ['POST', '/admin/breakers/smtp/reset'],
    ['GET', '/admin/schedules'],
    ['POST', '/admin/smtp'],
    ['POST', '/admin/smtp/test'],
  ])('answers %s %s with 401 without the admin token or with a wrong one', async (method, path) => {
    const body = path === '/admin/smtp' ? { failing: true } : undefined;
    for (const token of [null, '', 'not-the-token', `${TOKEN}x`]) {
      const refused = await call(method, path, body, token);
      expect(refused.status).toBe(401);
      expect(refused.body.message).toBe(
        'Send the header "Authorization: Bearer <token>", with the token the server has in ADMIN_TOKEN; in a browser, log in at /admin/login first.',
      );
    }
    expect((await call('GET', '/admin/breakers')).body).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'smtp', state: 'closed' })]));
  });

  it('logs a browser in with the admin token: an HttpOnly, SameSite=Strict session cookie that never holds the token', async () => {
    const login = (token: string) =>
      fetch(`${url}/admin/login`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ token }) });
    const wrong = await login(`${TOKEN}x`);
    expect(wrong.status).toBe(401);
    expect(await wrong.text()).toContain('That is not the admin token.');
    expect(wrong.headers.get('set-cookie')).toBeNull();
    const right = await login(TOKEN);
    expect(right.status).toBe(303);
    expect(right.headers.get('location')).toBe('/jobs-dashboard');
    const cookie = right.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^admin_session=\d+\.[\w-]+; Max-Age=28800; Path=\/; HttpOnly; SameSite=Strict$/);
    expect(cookie).not.toContain(TOKEN);
    const session = cookie.split(';')[0]!;
    const withCookie = (value: string) => fetch(`${url}/admin/breakers`, { headers: { cookie: value } }).then((response) => response.status);
    expect(await withCookie(session)).toBe(200);
    // another expiry with the same signature, or a forged signature, is refused
    const [expiry, signature] = session.slice('admin_session='.length).split('.');
    expect(await withCookie(`admin_session=${Number(expiry) + 1000}.${signature}`)).toBe(401);
    expect(await withCookie(`admin_session=${expiry}.${signature!.slice(1)}A`)).toBe(401);
    // the dashboard sits behind the same guard: its page, API and stream
    for (const path of ['/jobs-dashboard', '/jobs-dashboard/api/overview', '/jobs-dashboard/api/stream']) {
      const refused = await fetch(`${url}${path}`);
      expect([path, refused.status]).toEqual([path, 401]);
    }
    const page = await fetch(`${url}/jobs-dashboard`, { headers: { cookie: session } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<meta name="dashboard-base" content="/jobs-dashboard">');
    expect((await fetch(`${url}/jobs-dashboard/api/overview`, { headers: { cookie: session } })).status).toBe(200);
  });

  it('says at start-up how to pass the admin token, and never shows it', () => {
    const startUp = [adminNote(true), adminNote(false), ...routes(url)].join('\n');
    expect(adminNote(true)).toContain('"Authorization: Bearer $ADMIN_TOKEN"');
    expect(adminNote(false)).toContain('answer 401');
    expect(routes(url).filter((line) => line.includes('Bearer $ADMIN_TOKEN')).map(route)).toEqual([
      'GET /jobs/:id',
      'POST /admin/smtp',
      'POST /admin/smtp/test',
      'GET /admin/breakers',
      'POST /admin/breakers/:name/reset',
      'GET /admin/schedules',
      'GET /admin/dead-letters',
      'POST /admin/dead-letters/:id/redrive',
      'POST /admin/dead-letters/redrive',
    ]);
    expect(startUp).not.toContain(TOKEN);
  });

  it('lists every route of its controllers at start-up, each once, and the dashboard by its page', () => {
    const served = app
      .get(DiscoveryService)
      .getControllers()
      .flatMap(({ metatype }) => {
        // the dashboard's routes (pages, assets, API) are listed once, by its overview
        if (metatype && String(Reflect.getMetadata(PATH_METADATA, metatype)).startsWith('jobs-dashboard')) return ['GET /jobs-dashboard'];
        if (!metatype) return [];
        const prototype = (metatype as { prototype: Record<string, unknown> }).prototype;
        const base = Reflect.getMetadata(PATH_METADATA, metatype) as string;
        return Object.getOwnPropertyNames(prototype)
          .filter((key) => Reflect.hasMetadata(METHOD_METADATA, prototype[key] as object))
          .map((key) => {
            const handler = prototype[key] as object;
            const path = [base, Reflect.getMetadata(PATH_METADATA, handler) as string].flatMap((part) => part.split('/')).filter(Boolean);
            return `${RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as number]} /${path.join('/')}`;
          });
      });
    expect(served.length).toBeGreaterThan(10);
    expect(routes(url).map(route).sort()).toEqual([...new Set(served)].sort());
  });

  it('answers 404 to the reset of a breaker no one declared, naming those that are', async () => {
    const reset = await call('POST', '/admin/breakers/no-such-breaker/reset');
    expect(reset.status).toBe(404);
    expect(reset.body.message).toBe('No circuit breaker is named no-such-breaker (declared: smtp).');
  });

  it('answers 400 to an SMTP switch that is not a boolean, and leaves SMTP as it was', async () => {
    for (const body of [{ failing: 'yes' }, { failing: 1 }, {}]) {
      const bad = await call('POST', '/admin/smtp', body);
      expect(bad.status).toBe(400);
      expect(bad.body.message).toEqual(['failing must be a boolean value']);
    }
    expect((await call('POST', '/admin/smtp/test')).body).toEqual({ sent: true });
  });

  it('answers 503 to a test mail while the SMTP breaker is open, through CircuitOpenFilter, and sends it once reset', async () => {
    await app.get(CircuitBreakerService).open('smtp');
    const open = await call('POST', '/admin/smtp/test');
    expect(open.status).toBe(503);
    expect(open.body.message).toBe('A service this request needs is failing right now; try again shortly.');
    await call('POST', '/admin/breakers/smtp/reset');
    expect((await call('POST', '/admin/smtp/test')).body).toEqual({ sent: true });
  });

  it('answers a bad body with 400 naming the field', async () => {
    const bad = await call('POST', '/orders', { email: 'not an email', lines: [] });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toEqual(['email must be an email', 'lines should not be empty']);
    expect((await call('POST', '/orders')).status).toBe(400);
    expect((await call('POST', '/orders', [1, 2])).status).toBe(400);
  });

  it('keeps a mail that can never be sent as a dead letter, and redrives it', async () => {
    const placed = await order('nobody@invalid.example');
    const mailJob = `confirm:${placed.body.order.id}`;
    await eventually('the mail job to exist', async () => (await jobs.getJob(mailJob)) !== null);
    await expect(jobs.waitFor(mailJob)).rejects.toThrow('550 No such mailbox: nobody@invalid.example');
    const dead = (await call('GET', '/admin/dead-letters')).body as JobInfo[];
    expect(dead.map((job) => [job.id, job.deadReason])).toEqual([[mailJob, 'unrecoverable']]);
    expect((await call('POST', `/admin/dead-letters/${mailJob}/redrive`)).status).toBe(200);
    await expect(jobs.waitFor(mailJob)).rejects.toThrow('550');
    expect((await jobs.getJob(mailJob))!.redrives).toHaveLength(1);
    await call('POST', '/admin/dead-letters/redrive?name=nothing.here');
    expect((await call('POST', '/admin/dead-letters/no-such-id/redrive')).status).toBe(404);
    // the breaker counts it as a failure; close it for the next test
    await call('POST', '/admin/breakers/smtp/reset');
  });

  it('opens the SMTP breaker during an outage, reports it in /health, and sends every mail once SMTP is back', async () => {
    expect((await call('POST', '/admin/smtp', { failing: true })).body).toEqual({ failing: true });
    const placed = [];
    for (let i = 0; i < 4; i++) placed.push(await order(`buyer${i}@example.com`));
    await eventually('the breaker to open', async () => (await smtp()).state === 'open');
    const health = await call('GET', '/health');
    expect(health.body.details.background.breakers).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'smtp', state: 'open' })]));

    await call('POST', '/admin/smtp', { failing: false });
    for (const { body } of placed) {
      expect(await jobs.waitFor(`confirm:${body.order.id}`, { timeoutMs: 20_000 })).toEqual({ sentTo: body.order.email });
    }
    expect((await smtp()).state).toBe('closed');
    expect((await call('GET', '/health')).status).toBe(200);
    // nothing of the outage reached the dead-letter queue
    expect((await call('GET', '/admin/dead-letters?name=mail.confirmation')).body).toHaveLength(1);
    const metrics = await call('GET', '/metrics');
    expect(metrics.body).toContain('background_jobs_total{name="mail.confirmation",queue="default",outcome="completed"}');
  }, 40_000);
});
