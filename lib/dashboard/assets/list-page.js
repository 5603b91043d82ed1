// The pages that are one table (dead letters, schedules, breakers, events, workers, audit):
// a heading, the table, refreshed from the API on each event of the page's stream.
import { button, fill, h, table } from './dom.js';
import { LiveFeed } from './live.js';

/**
 * Mounts a table page in `main`. `load(cursor)` resolves to `{ rows, next?, note? }`: `next`, when
 * given, is a cursor for a "Load more" button; `columns(refresh)` renders the rows (see table()).
 * The first page refreshes on each stream event, one refresh at a time, until more is loaded.
 */
export async function listPage(main, { title, intro, load, columns, empty, live = true }) {
  const body = h('div', { class: 'list', id: 'rows' });
  const note = h('p', { class: 'muted note' });
  const more = h('div', { class: 'more' });
  fill(main, h('div', { class: 'heading' }, h('h1', {}, title)), intro ? h('p', { class: 'muted' }, intro) : null, note, body, more);
  let shown = [];
  let paged = false;
  let busy = false;
  const show = async (cursor) => {
    const answer = await load(cursor);
    shown = cursor === undefined ? answer.rows : [...shown, ...answer.rows];
    fill(body, table(columns(refresh), shown, empty));
    fill(note, answer.note ?? '');
    fill(more, answer.next ? button('Load more', async () => ((paged = true), await show(answer.next))) : null);
  };
  const refresh = async () => {
    if (busy || paged) return;
    busy = true;
    try {
      await show(undefined);
    } finally {
      busy = false;
    }
  };
  await refresh();
  if (live) new LiveFeed({ onEvent: (name) => (name === 'overview' ? void refresh().catch(() => undefined) : undefined), poll: refresh });
  return refresh;
}
