// Worker processes: their queues and concurrency, what runs now, their last heartbeat.
import { base, get, segment } from '../api.js';
import { count, h, time } from '../dom.js';
import { listPage } from '../list-page.js';

export function mount(main) {
  return listPage(main, {
    title: 'Workers',
    intro: 'Processes as their last heartbeat reported them (every 15 s; one silent for 45 s is gone).',
    empty: 'No process is online.',
    load: async () => ({ rows: (await get('workers')).processes }),
    columns: () => [
      ['Process', (p) => h('span', { class: 'name' }, p.id)],
      ['Host', (p) => `${p.host} (pid ${p.pid})`],
      ['Started', (p) => time(p.startedAt), 'num'],
      ['Queues', (p) => (p.workers ?? []).map((w, i) => [i ? ', ' : '', h('a', { href: `${base}/queues/${segment(w.queue)}` }, w.queue), ` ${count(w.active)}/${count(w.concurrency)}`])],
      ['Running', (p) => running(p)],
      ['Last heartbeat', (p) => time(p.lastHeartbeat), 'num'],
    ],
  });
}

function running(process) {
  const ids = (process.workers ?? []).flatMap((worker) => worker.running ?? []);
  if (ids.length === 0) return '–';
  return ids.slice(0, 5).map((id, i) => [i ? ', ' : '', h('a', { href: `${base}/jobs/${segment(id)}` }, id)]).concat(ids.length > 5 ? [` and ${ids.length - 5} more`] : []);
}
