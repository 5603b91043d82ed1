import type { INestApplication } from '@nestjs/common';
import { JobsService, SchedulerService } from '../lib/index.js';
import { DASHBOARD_CSP } from '../lib/dashboard/page/dashboard-page.constants.js';
import { behaviour, startDashboardApp } from './fixtures/dashboard-browser.app.js';
import { DashboardBrowser, type PageOptions } from './support/dashboard-browser.js';
import { RedisServer } from './support/redis-server.js';
import { eventually } from './support/test-app.js';

/** What the user sees comes within this; the 2-core machine may be busy with other work. */
const SEEN = { timeout: 30_000 };
/** A payload that would run script if any of it were parsed as HTML. */
const HOSTILE = `<img src=x onerror="window.__pwned='img'"></script><script>window.__pwned='script'</script>`;

describe('the dashboard in a browser (Chromium, a real app on a real Redis)', () => {
  let redis: RedisServer;
  let browser: DashboardBrowser;
  let app: INestApplication | undefined;
  let url: string;
  let dashboard: string;
  let prefix = 0;

  beforeAll(async () => {
    redis = await RedisServer.start();
    browser = await DashboardBrowser.launch();
  });
  afterAll(async () => {
    await browser?.close();
    await redis?.stop();
  });
  beforeEach(async () => {
    behaviour.failGroup = true;
    await start(`browser${++prefix}`);
  });
  afterEach(async () => {
    await browser.closePages();
    await app?.close();
    app = undefined;
  });

  async function start(name: string) {
    ({ app, url } = await startDashboardApp(redis.url, name));
    dashboard = `${url}/jobs-dashboard`;
  }

  /** The dashboard's `path` in a page of its own, signed in as `role` (see DashboardBrowser.open). */
  const open = (role: 'admin' | 'viewer' | null, path: string, options?: PageOptions, prepare?: Parameters<DashboardBrowser['open']>[3]) =>
    browser.open(`${dashboard}${path}`, role, options, prepare);

  const jobs = () => app!.get(JobsService);

  it('sends the strict Content-Security-Policy on the shell and its assets, which come from the package', async () => {
    const shell = await fetch(`${dashboard}/`, { headers: { cookie: 'role=viewer' } });
    expect(shell.status).toBe(200);
    expect(shell.headers.get('content-security-policy')).toBe(
      "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
    );
    const html = await shell.text();
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(html).not.toMatch(/https?:\/\//);
    const asset = /src="([^"]+app\.js)"/.exec(html)![1]!;
    const script = await fetch(`${url}${asset}`, { headers: { cookie: 'role=viewer' } });
    expect(script.status).toBe(200);
    expect(script.headers.get('content-security-policy')).toBe(DASHBOARD_CSP);
    expect(script.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    const stale = await fetch(`${url}${asset.replace(/assets\/\w+\//, 'assets/0000/')}`, { headers: { cookie: 'role=viewer' } });
    expect(stale.status).toBe(404);
    for (const name of ['__proto__', 'constructor', '..%2F..%2Fpackage.json', 'vendor%2F..%2Fapp.js', 'pages/..', 'nope.js']) {
      const odd = await fetch(`${url}${asset.replace('app.js', name)}`, { headers: { cookie: 'role=viewer' } });
      expect([name, odd.status]).toEqual([name, 404]);
    }
  });

  it("works under the app's global prefix and a path of its own", async () => {
    await app!.close();
    ({ app, url } = await startDashboardApp(redis.url, `browser${prefix}`, { globalPrefix: 'ops', path: 'admin/jobs' }));
    dashboard = `${url}/ops/admin/jobs`;
    await jobs().enqueue('mail.send', { to: 'prefixed@example.com' });
    const { page, problems } = await open('viewer', '/queues/mail?state=completed');
    await page.locator('tbody tr[data-id]').first().waitFor(SEEN);
    await page.locator('#live[data-state="live"]').waitFor(SEEN);
    await page.getByRole('link', { name: 'Dead letters' }).click();
    await page.getByRole('heading', { name: 'Dead letters' }).waitFor(SEEN);
    expect(page.url()).toBe(`${dashboard}/dead-letters`);
    expect(await problems()).toEqual([]);
  });

  it('is closed to who the guard refuses: the page, the API and the stream', async () => {
    for (const path of ['', '/queues/mail', '/api/overview', '/api/stream', `/assets/x/app.js`]) {
      const response = await fetch(`${dashboard}${path}`);
      expect([path, response.status]).toEqual([path, 401]);
      await response.body?.cancel();
    }
    const { page, response } = await open(null, '/');
    expect(response!.status()).toBe(401);
    expect(await page.textContent('body')).toContain('Sign in first: the dashboard needs the cookie role=admin or role=viewer.');
  });

  it('refuses a write from another site, with a 403', async () => {
    const response = await fetch(`${dashboard}/api/queues/mail/pause`, {
      method: 'POST',
      headers: { cookie: 'role=admin', origin: 'https://evil.example', 'content-type': 'application/json' },
      body: '{}',
    });
    expect(response.status).toBe(403);
    expect(await jobs().getStats().then((stats) => stats.queues.mail)).toBeDefined();
  });

  it('shows hostile job data, names and errors as text: nothing of it runs', async () => {
    await app!.get(SchedulerService).list();
    const { id } = await jobs().enqueue('mail.send', { to: HOSTILE, fail: `boom ${HOSTILE}` });
    await eventually('the job to be dead', async () => (await jobs().getJob(id))?.state === 'dead');
    const { page, problems } = await open('admin', `/jobs/${encodeURIComponent(id)}`);
    await page.getByText(`boom ${HOSTILE}`).first().waitFor(SEEN);
    // the payload as JSON text: its quotes escaped, its markup as characters
    expect(await page.locator('pre.value').first().textContent()).toContain(JSON.stringify(HOSTILE).slice(1, -1));
    await page.goto(`${dashboard}/dead-letters`);
    await page.getByText(`boom ${HOSTILE}`).first().waitFor(SEEN);
    await page.goto(`${dashboard}/queues/mail?state=dead`);
    await page.locator(`tr[data-id="${id}"]`).waitFor(SEEN);
    expect(await page.evaluate('window.__pwned')).toBeUndefined();
    expect(await page.locator('img').count()).toBe(0);
    expect(await problems()).toEqual([]);
  });

  it('shows a new job on an open queue page, without a reload', async () => {
    await jobs().pause('reports');
    const { page, problems } = await open('admin', '/queues/reports?state=waiting');
    await page.locator('#live[data-state="live"]').waitFor(SEEN);
    // a reload would drop this mark
    await page.evaluate('window.stillThisPage = true');
    const started = Date.now();
    const { id } = await jobs().enqueue('report.build', { kind: 'weekly' });
    await page.locator(`tr[data-id="${id}"]`).waitFor(SEEN);
    // the goal is 2 s (one poll a second, then the stream); measured 0.2-0.6 s on a quiet machine. A loaded
    // machine may take longer, so the time is reported here, not asserted (timing goals belong in bench/)
    console.log(`a new job appeared on the open page ${Date.now() - started} ms after its enqueue`);
    expect(await page.evaluate('window.stillThisPage')).toBe(true);
    expect(await problems()).toEqual([]);
  });

  it('closes its stream while the tab is hidden and opens it again when it shows', async () => {
    const { page } = await open('admin', '/');
    await page.locator('#live[data-state="live"]').waitFor(SEEN);
    const streams = () => page.evaluate('performance.getEntriesByType("resource").filter((e) => e.name.includes("/api/stream")).length') as Promise<number>;
    const before = await streams();
    await page.evaluate(`Object.defineProperty(document, 'hidden', { configurable: true, get: () => true }); document.dispatchEvent(new Event('visibilitychange'))`);
    await page.locator('#live[data-state="paused"]').waitFor(SEEN);
    await page.evaluate(`Object.defineProperty(document, 'hidden', { configurable: true, get: () => false }); document.dispatchEvent(new Event('visibilitychange'))`);
    await page.locator('#live[data-state="live"]').waitFor(SEEN);
    await eventually('a second stream', async () => (await streams()) > before);
  });

  it('polls the JSON API when the stream fails, and goes back to the stream when it works again', async () => {
    await jobs().pause('reports');
    // a proxy that refuses streams: the page falls back to polling the JSON API
    let refuse = true;
    const { page } = await open('admin', '/queues/reports?state=waiting', {}, (context) =>
      context.route('**/api/stream**', (route) => (refuse ? route.fulfill({ status: 502, body: 'no streams here' }) : route.continue())),
    );
    await page.locator('#live[data-state="polling"]').waitFor(SEEN);
    const { id } = await jobs().enqueue('report.build', { kind: 'polled' });
    await page.locator(`tr[data-id="${id}"]`).waitFor(SEEN);
    // it keeps trying the stream, and takes it once it works
    refuse = false;
    await page.locator('#live[data-state="live"]').waitFor(SEEN);
  });

  it('lets an admin redrive a dead-letter group through the UI, after a confirmation', async () => {
    const ids = await Promise.all([1, 2, 3].map(async (i) => (await jobs().enqueue('mail.send', { to: `user${i}@example.com`, fail: 'SMTP 421 try later' })).id));
    await eventually('three dead jobs', async () => (await jobs().countDead()) === 3);
    behaviour.failGroup = false;
    const { page, problems } = await open('admin', '/dead-letters');
    const row = page.locator('tr', { hasText: 'SMTP 421 try later' });
    await row.waitFor(SEEN);
    await row.getByRole('button', { name: 'Redrive this group' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Redrive them' }).click();
    await page.getByText('Redriven: 3 job(s).').waitFor(SEEN);
    for (const id of ids) await eventually(`${id} to complete`, async () => (await jobs().getJob(id))?.state === 'completed');
    await page.getByText('The dead-letter queue is empty.').waitFor(SEEN);
    expect(await problems()).toEqual([]);
  });

  it('searches a queue by payload text and cancels what matches, after the queue name is typed', async () => {
    await jobs().pause('reports');
    const [daily, weekly, special] = await jobs().enqueueMany(['daily', 'weekly', 'special-audit'].map((kind) => ({ name: 'report.build', data: { kind } })));
    const { page, problems } = await open('admin', '/queues/reports');
    await page.locator(`tr[data-id="${weekly!.id}"]`).waitFor(SEEN);
    await page.getByRole('searchbox', { name: 'Search jobs' }).fill('special-audit');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await page.locator(`tr[data-id="${daily!.id}"]`).waitFor({ state: 'detached', ...SEEN });
    expect(await page.locator('tbody tr[data-id]').count()).toBe(1);
    await page.getByRole('button', { name: 'Cancel all waiting matching' }).click();
    const dialog = page.getByRole('dialog');
    const go = dialog.getByRole('button', { name: 'Cancel them' });
    expect(await go.isDisabled()).toBe(true);
    await dialog.getByRole('textbox', { name: 'Confirmation' }).fill('reports');
    await go.click();
    await page.getByText('cancel: 1 of 1 matching job(s).').waitFor(SEEN);
    expect((await jobs().getJob(special!.id))?.state).toBe('cancelled');
    expect((await jobs().getJob(daily!.id))?.state).toBe('waiting');
    expect(await problems()).toEqual([]);
  });

  it('shows a long payload cut, with the whole a click away, and runs a delayed job now', async () => {
    const note = 'x'.repeat(6000);
    const { id } = await jobs().enqueue('mail.send', { to: 'later@example.com', note }, { delayMs: 3_600_000 });
    const { page, problems } = await open('admin', `/jobs/${encodeURIComponent(id)}`);
    const data = page.locator('pre.value').first();
    await data.waitFor(SEEN);
    expect((await data.textContent())!.length).toBeLessThan(6000);
    await page.getByRole('button', { name: 'Show all' }).click();
    await page.getByRole('button', { name: 'Show all' }).waitFor({ state: 'detached', ...SEEN });
    expect(await data.textContent()).toContain(note);
    // the page is live: a change in the queue re-renders it, and the whole value stays shown
    const shown = await data.elementHandle();
    await jobs().enqueue('mail.send', { to: 'other@example.com' }, { delayMs: 3_600_000 });
    await page.waitForFunction((element) => !element!.isConnected, shown, SEEN);
    expect(await data.textContent()).toContain(note);
    expect(await page.getByRole('button', { name: 'Show all' }).count()).toBe(0);
    await page.getByRole('button', { name: 'Run now' }).click();
    await page.locator('.facts .badge-completed').waitFor(SEEN);
    expect((await jobs().getJob(id))?.state).toBe('completed');
    expect(await problems()).toEqual([]);
  });

  it('moves nothing on the overview when live counts change', async () => {
    await jobs().pause('reports');
    const { page } = await open('viewer', '/');
    const card = page.locator('.card[data-queue="reports"]');
    await card.locator('.chart canvas').waitFor(SEEN);
    const boxes = () => page.locator('.card, .card .chart, .card .counts').evaluateAll((elements) => elements.map((e) => JSON.stringify(e.getBoundingClientRect())));
    const before = await boxes();
    await jobs().enqueueMany(Array.from({ length: 1234 }, (_, i) => ({ name: 'report.build', data: { kind: `k${i}` } })));
    await card.locator('.count-waiting dd', { hasText: '1,234' }).waitFor(SEEN);
    expect(await boxes()).toEqual(before);
  });

  it("refuses a read-only user's write with a 403, shown on the page", async () => {
    const { page } = await open('viewer', '/schedules');
    const row = page.locator('tr', { hasText: 'nightly-report' });
    await row.getByRole('button', { name: 'Pause' }).click();
    await page.locator('#notice', { hasText: '403' }).waitFor(SEEN);
    expect((await app!.get(SchedulerService).list()).find((s) => s.name === 'nightly-report')).toMatchObject({ paused: false });
  });

  it('keeps a schedule paused in the UI paused after the app restarts, and the audit log shows who paused it', async () => {
    const { page, problems } = await open('admin', '/schedules');
    const row = page.locator('tr', { hasText: 'nightly-report' });
    await row.getByRole('button', { name: 'Pause' }).click();
    await row.getByRole('button', { name: 'Resume' }).waitFor(SEEN);
    expect(await problems()).toEqual([]);
    // the tab leaves first: a stream it reopens while the app shuts down holds app.close() for about 60 s
    // (DashboardPoller takes new streams after onModuleDestroy; reported to the server side)
    await page.goto('about:blank');
    await app!.close();
    await start(`browser${prefix}`);
    await page.goto(`${dashboard}/schedules`);
    await page.locator('tr', { hasText: 'nightly-report' }).locator('.badge-paused').waitFor(SEEN);
    expect((await app!.get(SchedulerService).list()).find((s) => s.name === 'nightly-report')).toMatchObject({ paused: true });
    await page.goto(`${dashboard}/audit`);
    const entry = page.locator('tr', { hasText: 'nightly-report' }).first();
    await entry.waitFor(SEEN);
    expect(await entry.textContent()).toContain('admin');
  });

  it('is keyboard navigable: a skip link first, then the pages', async () => {
    const { page } = await open('viewer', '/');
    await page.locator('#queues').waitFor(SEEN);
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement?.textContent')).toBe('Skip to content');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement?.textContent')).toBe('Overview');
  });
});
