import { chromium, type Browser, type BrowserContext, type Page, type Response } from 'playwright-core';

/** Options of a page: viewport, colour scheme, phone emulation. */
export type PageOptions = Parameters<Browser['newContext']>[0];

/** A page of the dashboard, with what went wrong on it: page errors and Content-Security-Policy violations. */
export interface DashboardPage {
  page: Page;
  response: Response | null;
  problems(): Promise<string[]>;
}

/**
 * Debian's Chromium (no browser download here), driven by playwright-core: one per test file,
 * each page in a context of its own (its own cookies), all closed by `closePages()`.
 */
export class DashboardBrowser {
  private readonly contexts: BrowserContext[] = [];

  private constructor(private readonly browser: Browser) {}

  static async launch(): Promise<DashboardBrowser> {
    return new DashboardBrowser(await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] }));
  }

  /**
   * Opens `url` at 1280×800 unless `options` say otherwise, with the cookie `role=<role>` (none
   * for null); `prepare` runs on the context before the page loads (routes, say).
   */
  async open(url: string, role: 'admin' | 'viewer' | null, options: PageOptions = {}, prepare?: (context: BrowserContext) => Promise<unknown>): Promise<DashboardPage> {
    const context = await this.browser.newContext({ viewport: { width: 1280, height: 800 }, ...options });
    this.contexts.push(context);
    await prepare?.(context);
    if (role) await context.addCookies([{ name: 'role', value: role, url: new URL(url).origin }]);
    // (browser code as text: the tests are compiled without the DOM's types)
    await context.addInitScript({
      content: `window.__violations = []; document.addEventListener('securitypolicyviolation', (e) => window.__violations.push(e.violatedDirective + ' ' + e.blockedURI));`,
    });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('console', (message) => message.type() === 'error' && /Content Security Policy|Refused/.test(message.text()) && errors.push(message.text()));
    const response = await page.goto(url);
    return { page, response, problems: async () => [...errors, ...((await page.evaluate('window.__violations')) as string[])] };
  }

  async closePages(): Promise<void> {
    await Promise.all(this.contexts.splice(0).map((context) => context.close()));
  }

  async close(): Promise<void> {
    await this.closePages();
    await this.browser.close();
  }
}
