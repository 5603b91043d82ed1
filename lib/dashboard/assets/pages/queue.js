// A queue: its jobs by state (newest first, paged), a search by id, name or payload text, pause
// and resume, and bulk actions on every job of a state that matches the search.
import { base, get, post, segment } from '../api.js';
import { confirmAction } from '../confirm.js';
import { badge, button, count, fill, h, table, time } from '../dom.js';
import { LiveFeed } from '../live.js';
import { act } from '../notice.js';

const STATES = ['waiting', 'active', 'delayed', 'failed', 'completed', 'dead', 'cancelled'];
const BULK = { waiting: ['cancel'], delayed: ['promote', 'cancel'], failed: ['promote', 'cancel'], dead: ['retry'], active: ['cancel'] };

export async function mount(main, queue) {
  const params = new URLSearchParams(location.search);
  let state = STATES.includes(params.get('state')) ? params.get('state') : 'waiting';
  let q = params.get('q') ?? '';
  let next = null;
  let paged = false;
  let paused = false;

  const tabs = h('div', { class: 'tabs', role: 'group', 'aria-label': 'Job state' });
  const search = h('input', { type: 'search', name: 'q', value: q, placeholder: 'id, name or payload text', 'aria-label': 'Search jobs' });
  const list = h('div', { class: 'list', id: 'jobs', 'aria-live': 'polite' });
  const more = h('div', { class: 'more' });
  const scanNote = h('p', { class: 'muted', id: 'scan-note' });
  const pauseButton = button('Pause', async () => {
    const verb = paused ? 'resume' : 'pause';
    await act(() => post(`queues/${segment(queue)}/${verb}`), `Queue ${queue} ${verb === 'pause' ? 'paused' : 'resumed'}.`);
    await refreshOverview();
  });
  const bulkActions = h('div', { class: 'bulk' });
  const form = h('form', { role: 'search', class: 'search' }, search, h('button', { type: 'submit' }, 'Search'));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    q = search.value.trim();
    void load('reset');
  });
  const title = h('h1', {}, 'Queue ', h('span', { class: 'name' }, queue), ' ');
  fill(main, h('div', { class: 'heading' }, title, pauseButton), tabs, h('div', { class: 'toolbar' }, form, bulkActions), scanNote, list, more);

  let counts = {};
  function renderTabs() {
    fill(
      tabs,
      STATES.map((name) => {
        const tab = h('button', { type: 'button', 'aria-pressed': String(name === state), class: 'tab', 'data-state': name }, name, ' ', h('span', { class: 'num' }, count(counts[name])));
        tab.addEventListener('click', () => {
          state = name;
          renderTabs();
          void load('reset');
        });
        return tab;
      }),
    );
    fill(
      bulkActions,
      (BULK[state] ?? []).map((action) =>
        button(`${action[0].toUpperCase()}${action.slice(1)} all ${state}${q ? ' matching' : ''}`, () => bulk(action), { class: action === 'cancel' ? 'danger' : '' }),
      ),
    );
  }

  async function bulk(action) {
    const filter = q ? ` matching "${q}"` : '';
    const confirm = await confirmAction({
      title: `${action} every ${state} job${filter}?`,
      body: `This ${action}s every ${state} job of ${queue}${filter}, not only those on screen.`,
      action: `${action[0].toUpperCase()}${action.slice(1)} them`,
      expected: queue,
    });
    if (confirm === undefined) return;
    await act(() => post(`queues/${segment(queue)}/bulk`, { action, state, q: q || undefined, confirm }), (result) => `${action}: ${count(result?.done)} of ${count(result?.matched)} matching job(s)${result?.capped ? ' (stopped at the cap: run it again for the rest)' : ''}.`);
    await load('reset');
  }

  async function load(mode) {
    if (mode === 'reset') {
      next = null;
      paged = false;
      const url = new URL(location.href);
      url.searchParams.set('state', state);
      if (q) url.searchParams.set('q', q);
      else url.searchParams.delete('q');
      history.replaceState(null, '', url);
      renderTabs();
    }
    const page = await get(`queues/${segment(queue)}/jobs`, { state, q, cursor: mode === 'more' ? next : undefined, limit: 50 });
    const rows = page.jobs ?? [];
    const shown = mode !== 'more' ? [] : [...list.querySelectorAll('tbody tr[data-id]')].map((row) => row.job);
    renderRows([...shown, ...rows]);
    next = page.next ?? null;
    fill(scanNote, page.capped ? `The search looked at the newest ${count(page.scanned)} jobs only; narrow it to find older ones.` : '');
    fill(more, next ? button('Load more', async () => ((paged = true), await load('more'))) : null);
  }

  function renderRows(jobs) {
    const view = table(
      [
        ['Id', (job) => h('a', { href: `${base}/jobs/${segment(job.id)}` }, job.id), 'id'],
        ['Name', (job) => job.name],
        ['State', (job) => badge(job.state ?? state)],
        ['Priority', (job) => count(job.priority), 'num'],
        ['Attempts', (job) => `${job.attempts ?? job.attempt ?? 0}${job.maxAttempts ? ` / ${job.maxAttempts}` : ''}`, 'num'],
        ['Enqueued', (job) => time(job.enqueuedAt ?? job.createdAt), 'num'],
        ['Payload', (job) => [h('code', { class: 'preview' }, typeof job.data === 'string' ? job.data : JSON.stringify(job.data) ?? ''), job.lastError ? h('span', { class: 'error-message preview' }, job.lastError) : null]],
      ],
      jobs,
      q ? `No ${state} job matches "${q}".` : `No ${state} jobs.`,
    );
    view.querySelectorAll('tbody tr').forEach((row, i) => {
      if (!jobs[i]) return;
      row.dataset.id = jobs[i].id;
      row.job = jobs[i];
    });
    fill(list, view);
  }

  async function refreshOverview(overview) {
    overview ??= await get('overview');
    const mine = (overview.queues ?? []).find((item) => item.name === queue);
    counts = mine?.counts ?? {};
    paused = !!mine?.paused;
    pauseButton.textContent = paused ? 'Resume' : 'Pause';
    fill(title, 'Queue ', h('span', { class: 'name' }, queue), ' ', paused ? badge('paused') : null);
    for (const tab of tabs.querySelectorAll('button[data-state]')) tab.querySelector('.num').textContent = count(counts[tab.dataset.state]);
  }

  let busy = false;
  async function live(overview) {
    if (busy) return;
    busy = true;
    try {
      await refreshOverview(overview);
      if (!paged) await load('refresh');
    } finally {
      busy = false;
    }
  }

  await refreshOverview();
  renderTabs();
  await load('reset');
  new LiveFeed({ query: { queue }, events: ['overview', 'jobs'], onEvent: (name, data) => void live(name === 'overview' ? data : undefined), poll: () => live() });
}
