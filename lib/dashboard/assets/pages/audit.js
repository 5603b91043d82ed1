// The audit log: who did what through the dashboard, and when, newest first.
import { get } from '../api.js';
import { badge, h, text, time } from '../dom.js';
import { listPage } from '../list-page.js';

export function mount(main) {
  return listPage(main, {
    title: 'Audit log',
    intro: 'Every write through the dashboard or its API, done, failed or refused, newest first.',
    empty: 'Nothing was done through the dashboard yet.',
    load: async (cursor) => {
      const answer = await get('audit', { cursor });
      return { rows: answer.entries, next: answer.next };
    },
    columns: () => [
      ['When', (e) => time(e.at)],
      ['Who', (e) => h('span', { class: 'name' }, text(e.actor))],
      ['Action', (e) => h('code', {}, e.action)],
      ['Target', (e) => h('code', {}, target(e.target))],
      ['Outcome', (e) => [badge(String(e.outcome).split(/[\s:(]/)[0]), ' ', h('span', { class: 'muted' }, String(e.outcome).replace(/^\w+:?\s*/, ''))]],
    ],
  });
}

/** `{ kind: 'schedule', name: 'nightly' }` → "schedule nightly". */
function target(value) {
  if (!value || typeof value !== 'object') return text(value);
  const { kind, ...names } = value;
  return [kind, ...Object.values(names)].join(' ');
}
