// Schedules: when each runs next and ran last, how that went, and pause / resume / run now.
import { base, get, post, segment } from '../api.js';
import { badge, button, count, duration, h, time } from '../dom.js';
import { listPage } from '../list-page.js';
import { act } from '../notice.js';

export function mount(main) {
  return listPage(main, {
    title: 'Schedules',
    intro: 'Recurring jobs run once per tick across the cluster. A pause is stored, so it outlives restarts and deploys.',
    empty: 'No schedule is declared.',
    load: async () => ({ rows: (await get('schedules')).schedules }),
    columns: (refresh) => [
      ['Name', (s) => h('span', { class: 'name' }, s.name)],
      ['When', (s) => h('code', {}, s.cron ? `${s.cron}${s.timeZone ? ` (${s.timeZone})` : ''}` : `every ${duration(s.every)}`)],
      ['State', (s) => badge(s.paused ? 'paused' : 'active')],
      ['Next run', (s) => (s.paused ? '–' : time(s.nextRunAt)), 'num'],
      ['Last run', (s) => time(s.lastRunAt), 'num'],
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
  if (!schedule.lastOutcome && !schedule.lastError) return '–';
  const state = schedule.lastOutcome ? badge(schedule.lastOutcome) : null;
  return h(
    'span',
    {},
    schedule.lastJobId ? h('a', { href: `${base}/jobs/${segment(schedule.lastJobId)}` }, state) : state,
    schedule.lastError ? [' ', h('span', { class: 'error-message' }, schedule.lastError)] : null,
  );
}
