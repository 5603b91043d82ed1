// Worker processes: which queues each serves, with what concurrency, what runs now, last heartbeat.
import { count, h, time } from '../dom.js';
import { get } from '../api.js';
import { listPage, rows } from '../list-page.js';

export function mount(main) {
  return listPage(main, {
    title: 'Workers',
    intro: 'Processes with workers, as their heartbeats report them.',
    empty: 'No worker is online.',
    load: async () => rows(await get('workers'), 'workers', 'processes'),
    columns: () => [
      ['Worker', (w) => h('span', { class: 'name' }, w.id ?? w.worker ?? `${w.host}:${w.pid}`)],
      ['Host', (w) => w.host ?? '–'],
      ['Queues', (w) => queues(w)],
      ['Running', (w) => count(Array.isArray(w.running) ? w.running.length : (w.running ?? w.active)), 'num'],
      ['Last heartbeat', (w) => time(w.lastHeartbeat ?? w.heartbeatAt ?? w.seenAt), 'num'],
    ],
  });
}

function queues(worker) {
  const list = worker.queues ?? [];
  if (Array.isArray(list)) return list.map((q) => (typeof q === 'string' ? q : `${q.name ?? q.queue} ×${q.concurrency ?? '?'}`)).join(', ') || '–';
  return Object.entries(list).map(([name, concurrency]) => `${name} ×${typeof concurrency === 'object' ? concurrency.concurrency : concurrency}`).join(', ');
}
