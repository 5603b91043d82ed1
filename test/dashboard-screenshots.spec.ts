import type { INestApplication } from '@nestjs/common';
import { CircuitBreakerService, JobsService } from '../lib/index.js';
import { startDashboardApp } from './fixtures/dashboard-browser.app.js';
import { DashboardBrowser, type PageOptions } from './support/dashboard-browser.js';
import { RedisServer } from './support/redis-server.js';
import { eventually } from './support/test-app.js';

/** What the user sees comes within this; the 2-core machine may be busy with other work. */
const SEEN = { timeout: 30_000 };

/**
 * The screenshots of docs/dashboard.md, of the browser tests' app with some history: remade with
 * `DASHBOARD_SCREENSHOTS=1` only, since they are checked in (a run of npm test skips this file).
 */
(process.env.DASHBOARD_SCREENSHOTS === '1' ? describe : describe.skip)('the screenshots of docs/dashboard.md', () => {
  let redis: RedisServer;
  let browser: DashboardBrowser;
  let app: INestApplication;
  let dashboard: string;

  beforeAll(async () => {
    redis = await RedisServer.start();
    browser = await DashboardBrowser.launch();
    const started = await startDashboardApp(redis.url, 'shots');
    app = started.app;
    dashboard = `${started.url}/jobs-dashboard`;
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await redis?.stop();
  });

  const jobs = () => app.get(JobsService);

  it('shows each page at 1280×800, light; the overview also dark and on a phone', async () => {
    const admin = (path: string) =>
      fetch(`${dashboard}/api/${path}`, { method: 'POST', headers: { cookie: 'role=admin', 'content-type': 'application/json' }, body: '{}' });
    const mail = Array.from({ length: 60 }, (_, i) => ({ name: 'mail.send', data: { to: `customer${i}@example.com`, template: 'order-confirmation' } }));
    await jobs().enqueueMany(mail);
    await jobs().enqueueMany(Array.from({ length: 7 }, (_, i) => ({ name: 'mail.send', data: { to: `old${i}@example.net`, fail: 'SMTP 421 4.7.0 Try again later' } })));
    await jobs().enqueueMany(Array.from({ length: 2 }, (_, i) => ({ name: 'mail.send', data: { to: `full${i}@example.org`, fail: 'Mailbox full' } })));
    await jobs().enqueueMany(Array.from({ length: 4 }, (_, i) => ({ name: 'mail.send', data: { to: `later${i}@example.com` }, options: { delayMs: 3_600_000 } })));
    await jobs().pause('reports');
    await jobs().enqueueMany(['daily', 'weekly', 'monthly'].map((kind) => ({ name: 'report.build', data: { kind } })));
    for (const orderId of ['A-1001', 'A-1002']) await jobs().emit('order.placed', { orderId });
    await app.get(CircuitBreakerService).open('payments-api');
    await admin('schedules/nightly-report/pause');
    await admin('schedules/nightly-report/resume');
    await fetch(`${dashboard}/api/queues/mail/pause`, { method: 'POST', headers: { cookie: 'role=viewer' } });
    await eventually('9 dead jobs', async () => (await jobs().countDead()) === 9);
    // the history reaches storage every 5 s
    await eventually('the history of mail', async () => {
      const history = await fetch(`${dashboard}/api/history?queue=mail&range=1h`, { headers: { cookie: 'role=admin' } }).then((r) => r.json() as Promise<{ points: { completed: number }[] }>);
      return history.points.some((point) => point.completed > 0);
    });
    const dead = (await jobs().listDead({ limit: 1 }))[0]!.id;
    const shots: [string, string, PageOptions?][] = [
      ['overview', '/'],
      ['overview-dark', '/', { colorScheme: 'dark' }],
      ['overview-phone', '/', { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true }],
      ['queue', '/queues/mail?state=completed'],
      ['job', `/jobs/${encodeURIComponent(dead)}`],
      ['dead-letters', '/dead-letters'],
      ['schedules', '/schedules'],
      ['breakers', '/breakers'],
      ['events', '/events'],
      ['workers', '/workers'],
      ['audit', '/audit'],
    ];
    for (const [name, path, options] of shots) {
      const { page, problems } = await browser.open(`${dashboard}${path}`, 'admin', options);
      await page.locator('#live[data-state="live"]').waitFor(SEEN);
      await page.locator('main h1').waitFor(SEEN);
      if (name.startsWith('overview')) await page.locator('.chart canvas').first().waitFor(SEEN);
      await page.screenshot({ path: `docs/dashboard-${name}.png` });
      expect(await problems()).toEqual([]);
    }
  });
});
