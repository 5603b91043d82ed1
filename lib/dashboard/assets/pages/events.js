// Durable events: each subscriber (its patterns and queue) and the jobs waiting for it.
import { base, get, segment } from '../api.js';
import { count, h } from '../dom.js';
import { listPage } from '../list-page.js';

export function mount(main) {
  return listPage(main, {
    title: 'Events',
    intro: 'Each emit becomes one job per subscriber; a backlog is the jobs of a subscriber waiting in its queue.',
    empty: 'No @OnEvent subscriber is declared.',
    load: async () => ({ rows: (await get('events')).subscriptions }),
    columns: () => [
      ['Subscriber', (s) => h('span', { class: 'name' }, s.name)],
      ['Patterns', (s) => (s.patterns ?? []).map((pattern, i) => [i ? ', ' : '', h('code', {}, pattern)])],
      ['Queue', (s) => h('a', { href: `${base}/queues/${segment(s.queue)}` }, s.queue)],
      ['Backlog', (s) => `${s.backlogCapped ? '≥ ' : ''}${count(s.backlog)}`, 'num'],
    ],
  });
}
