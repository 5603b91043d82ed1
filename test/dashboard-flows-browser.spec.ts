import { Injectable, Module, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { BackgroundModule, Job, JobsService, UnrecoverableError } from '../lib/index.js';
import { BackgroundDashboardModule } from '../lib/dashboard/index.js';
import { DashboardBrowser } from './support/dashboard-browser.js';
import { RedisServer } from './support/redis-server.js';
import { eventually } from './support/test-app.js';

/** What the user sees comes within this; the 2-core machine may be busy with other work. */
const SEEN = { timeout: 30_000 };
/** A job name that would run script if it were parsed as HTML. */
const HOSTILE = `<img src=x onerror="window.__pwned='img'"><script>window.__pwned='script'</script>`;

@Injectable()
class FlowPageJobs {
  @Job('order.total')
  total() {
    return 'total';
  }

  @Job(HOSTILE)
  hostile() {
    return 'priced';
  }

  @Job('order.price')
  price() {
    throw new UnrecoverableError('no price');
  }
}

describe("a flow on a job's page (Chromium, a real app on a real Redis)", () => {
  let redis: RedisServer;
  let browser: DashboardBrowser;
  let app: INestApplication | undefined;

  beforeAll(async () => {
    redis = await RedisServer.start();
    browser = await DashboardBrowser.launch();
  });
  afterAll(async () => {
    await browser?.close();
    await redis?.stop();
  });
  afterEach(async () => {
    await browser.closePages();
    await app?.close();
    app = undefined;
  });

  it('shows the tree with each job\'s state, linked, on the parent\'s page and a child\'s; a hostile name stays text', async () => {
    @Module({
      imports: [BackgroundModule.forRoot({ connection: redis.url, prefix: 'flowpage' }), BackgroundDashboardModule.forRoot({ pollMs: 250 })],
      providers: [FlowPageJobs],
    })
    class FlowPageApp {}
    app = await NestFactory.create(FlowPageApp, { logger: false });
    await app.listen(0, '127.0.0.1');
    const dashboard = `${(await app.getUrl()).replace('[::1]', '127.0.0.1')}/jobs-dashboard`;
    const jobs = app.get(JobsService);
    const flow = await jobs.flow({
      job: 'order.total',
      data: {},
      children: [
        { job: HOSTILE, data: {} },
        { job: 'order.price', data: {}, options: { onFailure: 'ignore' } },
      ],
    });
    const [priced, failed] = flow.children.map((child) => child.id);
    await eventually('the parent to complete', async () => (await jobs.getJob(flow.id))?.state === 'completed');

    const { page, problems } = await browser.open(`${dashboard}/jobs/${encodeURIComponent(flow.id)}`, null);
    const tree = page.locator('section.flow');
    await tree.locator(`li[data-id="${failed}"]`).waitFor(SEEN);
    expect(await tree.locator('h2').textContent()).toBe('Flow (3 jobs)');
    const row = (id: string) => tree.locator(`li[data-id="${id}"]`);
    expect(await row(flow.id).locator('> .badge').textContent()).toBe('completed');
    expect(await row(flow.id).locator('> strong').textContent()).toBe(flow.id);
    expect(await row(priced!).locator('> .badge').textContent()).toBe('completed');
    expect(await row(priced!).locator('> .name').textContent()).toBe(HOSTILE);
    expect(await row(priced!).locator('> a').getAttribute('href')).toBe(`/jobs-dashboard/jobs/${encodeURIComponent(priced!)}`);
    expect(await row(failed!).locator('> .badge').textContent()).toBe('dead');
    expect(await row(failed!).textContent()).toBe(`dead order.price ${failed} (on failure: ignore)`);

    // a child's page shows the same flow, from its root, the child marked
    await page.goto(`${dashboard}/jobs/${encodeURIComponent(failed!)}`);
    await tree.locator(`li[data-id="${failed}"] > strong[aria-current="page"]`).waitFor(SEEN);
    expect(await row(flow.id).locator('> a').getAttribute('href')).toBe(`/jobs-dashboard/jobs/${encodeURIComponent(flow.id)}`);
    expect(await row(priced!).locator('> .name').textContent()).toBe(HOSTILE);

    expect(await page.evaluate('window.__pwned')).toBeUndefined();
    expect(await page.locator('img').count()).toBe(0);
    expect(await problems()).toEqual([]);
  });

  it('shows no Flow section for a job in no flow', async () => {
    @Module({
      imports: [BackgroundModule.forRoot({ connection: redis.url, prefix: 'flowpage2' }), BackgroundDashboardModule.forRoot({ pollMs: 250 })],
      providers: [FlowPageJobs],
    })
    class LoneJobApp {}
    app = await NestFactory.create(LoneJobApp, { logger: false });
    await app.listen(0, '127.0.0.1');
    const dashboard = `${(await app.getUrl()).replace('[::1]', '127.0.0.1')}/jobs-dashboard`;
    const { id } = await app.get(JobsService).enqueue('order.total', {});
    const { page, problems } = await browser.open(`${dashboard}/jobs/${encodeURIComponent(id)}`, null);
    await page.getByRole('heading', { name: 'Timeline' }).waitFor(SEEN);
    expect(await page.locator('section.flow').count()).toBe(0);
    expect(await problems()).toEqual([]);
  });
});
