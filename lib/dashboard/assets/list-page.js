// The pages that are one table (dead letters, schedules, breakers, events, workers, audit):
// a heading, the table, refreshed from the API on each event of the page's stream.
import { fill, h, table } from './dom.js';
import { LiveFeed } from './live.js';

/**
 * Mounts a table page in `main`. `load()` resolves to the rows, `columns` renders them (see
 * table()); the page refreshes on each stream event, one refresh at a time.
 */
export async function listPage(main, { title, intro, load, columns, empty, live = true }) {
  const body = h('div', { class: 'list', id: 'rows' });
  fill(main, h('div', { class: 'heading' }, h('h1', {}, title)), intro ? h('p', { class: 'muted' }, intro) : null, body);
  let busy = false;
  const refresh = async () => {
    if (busy) return;
    busy = true;
    try {
      fill(body, table(columns(refresh), await load(), empty));
    } finally {
      busy = false;
    }
  };
  await refresh();
  if (live) new LiveFeed({ onEvent: () => void refresh().catch(() => undefined), poll: refresh });
  return refresh;
}

/** An API answer that is a list, or an object holding one under `key` (`{ items }`, `{ entries }`...). */
export function rows(answer, ...keys) {
  if (Array.isArray(answer)) return answer;
  for (const key of keys) if (Array.isArray(answer?.[key])) return answer[key];
  return [];
}
