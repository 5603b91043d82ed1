// Durable events: each subscription (pattern → handler) and the jobs waiting for each subscriber.
import { base, get, segment } from '../api.js';
import { count, h } from '../dom.js';
import { listPage, rows } from '../list-page.js';

export function mount(main) {
  return listPage(main, {
    title: 'Events',
    intro: 'Each emit becomes one job per subscriber; a backlog is the jobs of a subscriber not yet run.',
    empty: 'No @OnEvent subscriber is declared.',
    load: async () => rows(await get('events'), 'subscriptions', 'subscribers'),
    columns: () => [
      ['Pattern', (s) => h('code', {}, s.pattern ?? s.event)],
      ['Subscriber', (s) => h('span', { class: 'name' }, s.subscriber ?? s.handler ?? s.name ?? s.job)],
      ['Queue', (s) => (s.queue ? h('a', { href: `${base}/queues/${segment(s.queue)}` }, s.queue) : '–')],
      ['Backlog', (s) => count(s.backlog ?? s.waiting), 'num'],
      ['Dead', (s) => count(s.dead), 'num'],
    ],
  });
}
