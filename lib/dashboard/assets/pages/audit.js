// The audit log: who did what through the dashboard, and when, newest first.
import { get } from '../api.js';
import { badge, h, text, time } from '../dom.js';
import { listPage, rows } from '../list-page.js';

export function mount(main) {
  return listPage(main, {
    title: 'Audit log',
    intro: 'Every action taken through the dashboard or its API, newest first.',
    empty: 'Nothing was done through the dashboard yet.',
    load: async () => rows(await get('audit'), 'entries', 'items'),
    columns: () => [
      ['When', (e) => time(e.at), 'num'],
      ['Who', (e) => h('span', { class: 'name' }, text(e.actor))],
      ['Action', (e) => h('code', {}, e.action)],
      ['Target', (e) => h('code', {}, typeof e.target === 'string' ? e.target : Object.values(e.target ?? {}).join(' '))],
      ['Outcome', (e) => badge(typeof e.outcome === 'string' ? e.outcome : (e.outcome?.status ?? 'ok'))],
    ],
  });
}
