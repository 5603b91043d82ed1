// The dashboard's entry: picks the page the URL names and mounts it in <main>.
import { base } from './api.js';
import { fill, h } from './dom.js';

/** Page routes, as the server's DashboardPageController answers them: [first segment, module]. */
const PAGES = {
  '': 'overview',
  queues: 'queue',
  jobs: 'job',
  'dead-letters': 'dead-letters',
  schedules: 'schedules',
  breakers: 'breakers',
  events: 'events',
  workers: 'workers',
  audit: 'audit',
};

const segments = location.pathname
  .slice(base.length)
  .split('/')
  .filter(Boolean)
  .map((part) => decodeURIComponent(part));
const page = Object.hasOwn(PAGES, segments[0] ?? '') ? PAGES[segments[0] ?? ''] : undefined;
const main = document.getElementById('main');
const TITLES = { overview: 'Overview', queue: `Queue ${segments[1]}`, job: `Job ${segments[1]}`, 'dead-letters': 'Dead letters', audit: 'Audit log' };
document.title = `${TITLES[page] ?? (page ? page[0].toUpperCase() + page.slice(1) : 'Not found')} · Jobs dashboard`;

for (const link of document.querySelectorAll('nav a')) {
  const current = link.dataset.page === (segments[0] ?? 'overview') || (link.dataset.page === 'overview' && page === 'queue');
  if (current) link.setAttribute('aria-current', 'page');
}

if (page === undefined) {
  fill(main, h('h1', {}, 'Not found'), h('p', {}, 'The dashboard has no such page. ', h('a', { href: `${base}/` }, 'Back to the overview')));
} else {
  const { mount } = await import(`./pages/${page}.js`);
  try {
    await mount(main, segments[1]);
  } catch (error) {
    fill(main, h('h1', {}, 'The dashboard could not load this page'), h('p', { class: 'error', role: 'alert' }, error.message ?? String(error)));
  }
}
