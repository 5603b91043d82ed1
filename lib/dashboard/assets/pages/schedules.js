// Schedules: when each runs next and ran last, how that went, and pause / resume / run now.
import { get, post, segment } from '../api.js';
import { badge, button, count, h, time } from '../dom.js';
import { listPage, rows } from '../list-page.js';
import { act } from '../notice.js';

export function mount(main) {
  return listPage(main, {
    title: 'Schedules',
    intro: 'Recurring jobs run once per tick across the cluster. A pause is stored, so it outlives restarts and deploys.',
    empty: 'No schedule is declared.',
    load: async () => rows(await get('schedules'), 'schedules'),
    columns: (refresh) => [
      ['Name', (s) => h('span', { class: 'name' }, s.name)],
      ['When', (s) => h('code', {}, s.cron ?? s.expression ?? (s.everyMs ? `every ${s.everyMs} ms` : (s.intervalMs ? `every ${s.intervalMs} ms` : (s.kind ?? '–'))))],
      ['State', (s) => badge(s.paused ? 'paused' : 'active')],
      ['Next run', (s) => (s.paused ? '–' : time(s.nextRunAt ?? s.nextRun)), 'num'],
      ['Last run', (s) => time(s.lastRunAt ?? s.lastRun), 'num'],
      ['Last outcome', (s) => outcome(s)],
      ['Runs', (s) => count(s.runs), 'num'],
      [
        'Actions',
        (s) =>
          h(
            'div',
            { class: 'actions' },
            button(s.paused ? 'Resume' : 'Pause', () => act(() => post(`schedules/${segment(s.name)}/${s.paused ? 'resume' : 'pause'}`), `${s.name} ${s.paused ? 'resumed' : 'paused'}.`).then(refresh)),
            button('Run now', () => act(() => post(`schedules/${segment(s.name)}/trigger`), `${s.name} triggered.`).then(refresh)),
          ),
      ],
    ],
  });
}

function outcome(schedule) {
  const last = schedule.lastOutcome ?? schedule.lastStatus;
  const error = schedule.lastError?.message ?? schedule.lastError;
  if (!last && !error) return '–';
  return h('span', {}, last ? badge(last) : null, error ? [' ', h('span', { class: 'error-message' }, String(error))] : null);
}
