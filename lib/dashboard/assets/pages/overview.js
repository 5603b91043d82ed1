// Overview: one card per queue, with counts, the oldest waiting job's age, workers online, a
// warning when jobs wait for a handler no worker has, and the throughput of the last hour or day.
import { base, get, segment } from '../api.js';
import { drawThroughput } from '../chart.js';
import { badge, count, duration, fill, h } from '../dom.js';
import { LiveFeed } from '../live.js';

const STATES = ['waiting', 'active', 'delayed', 'failed', 'completed', 'dead'];
const RANGES = { '1h': 'Last hour', '24h': 'Last day', '72h': 'Last 3 days' };

export async function mount(main) {
  const cards = new Map();
  const grid = h('div', { class: 'cards', id: 'queues' });
  const stamp = h('span', { class: 'muted num', id: 'generated-at' });
  let range = '1h';
  const picker = h(
    'select',
    { 'aria-label': 'Chart range', id: 'range' },
    Object.entries(RANGES).map(([value, label]) => h('option', { value }, label)),
  );
  picker.addEventListener('change', () => {
    range = picker.value;
    for (const [name, card] of cards) void chart(name, card);
  });
  fill(main, h('div', { class: 'heading' }, h('h1', {}, 'Queues'), h('label', { class: 'inline' }, 'Throughput ', picker)), stamp, grid);

  async function chart(name, card) {
    try {
      const history = await get('history', { queue: name, range });
      const points = history.points ?? [];
      const done = points.reduce((sum, p) => sum + (p.completed ?? 0), 0);
      const failed = points.reduce((sum, p) => sum + (p.failed ?? 0), 0);
      fill(card.rate, `${RANGES[range]}: ${count(done)} completed, ${count(failed)} failed`, done + failed ? ` (${((100 * failed) / (done + failed)).toFixed(1)}% failed)` : '');
      await drawThroughput(card.chart, points);
    } catch (error) {
      fill(card.rate, `No history: ${error.message}`);
    }
  }

  function render(overview) {
    fill(stamp, `Updated ${new Date(overview.generatedAt ?? Date.now()).toLocaleTimeString('en-GB')}`);
    const queues = overview.queues ?? [];
    if (queues.length === 0 && cards.size === 0) fill(grid, h('p', { class: 'muted' }, 'No queue has jobs or handlers yet.'));
    for (const queue of queues) {
      let card = cards.get(queue.name);
      if (!card) {
        if (cards.size === 0) grid.replaceChildren();
        card = { stats: h('div', { class: 'stats' }), rate: h('p', { class: 'muted rate' }), chart: h('div', { class: 'chart', role: 'img', 'aria-label': `Throughput of ${queue.name}` }) };
        card.element = h('section', { class: 'card', 'data-queue': queue.name }, card.stats, card.rate, card.chart);
        cards.set(queue.name, card);
        grid.append(card.element);
        void chart(queue.name, card);
      }
      fill(card.stats, stats(queue));
    }
  }

  render(await get('overview'));
  const feed = new LiveFeed({ onEvent: (_name, data) => render(data), poll: async () => render(await get('overview')) });
  // the history is kept per minute: redraw once a minute, not on every event
  setInterval(() => feed.state === 'live' || feed.state === 'polling' ? cards.forEach((card, name) => void chart(name, card)) : undefined, 60_000);
}

function stats(queue) {
  const counts = queue.counts ?? {};
  const waiting = counts.waiting ?? 0;
  const missing = queue.missingHandlers ?? [];
  const priorities = Object.entries(queue.byPriority ?? {}).filter(([, n]) => n > 0);
  const byPriority = priorities.length > 0 ? priorities.map(([priority, n]) => `${priority}: ${count(n)}`).join(', ') : '–';
  return [
    h('h2', {}, h('a', { href: `${base}/queues/${segment(queue.name)}` }, queue.name), ' ', queue.paused ? badge('paused') : null),
    h('dl', { class: 'counts' }, STATES.map((state) => h('div', { class: `count count-${state}${counts[state] > 0 ? ' nonzero' : ''}` }, h('dt', {}, state), h('dd', { class: 'num' }, count(counts[state]))))),
    h(
      'p',
      { class: 'facts' },
      h('span', {}, 'Oldest waiting: ', h('span', { class: 'num' }, waiting > 0 ? duration(queue.oldestWaitingMs) : '–')),
      h('span', {}, 'Workers online: ', h('span', { class: 'num' }, count(queue.workers))),
      // always there, on one line: a count that appears or grows moves nothing below it
      h('span', { class: 'priorities', title: byPriority }, 'Waiting by priority: ', h('span', { class: 'num' }, byPriority)),
    ),
    waiting > 0 && (missing.length > 0 || queue.workers === 0)
      ? h(
          'p',
          { class: 'warning', role: 'alert' },
          missing.length > 0
            ? `Jobs wait but no worker online has the handler of ${missing.join(', ')}: start a worker that declares it, or they wait for ever.`
            : 'Jobs wait but no worker is online for this queue.',
        )
      : null,
  ];
}
