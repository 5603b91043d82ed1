// A job: its state and timestamps, data, result, progress, logs, each failed attempt's error
// with its stack and worker, its timeline, and retry / cancel / promote. Long values come cut
// by the server; "Show all" fetches the whole value. A job in a flow shows the flow's tree.
import { base, get, post, segment } from '../api.js';
import { confirmAction } from '../confirm.js';
import { badge, button, count, fill, h, table, text, time } from '../dom.js';
import { flowSection } from '../flow-tree.js';
import { LiveFeed } from '../live.js';
import { act } from '../notice.js';

const SETTLED = ['completed', 'dead', 'cancelled'];

export async function mount(main, id) {
  // the flow is read once (not live): a user who may not read flows, or an outage, just shows no section
  const [first, flow] = await Promise.all([get(`jobs/${segment(id)}`), get(`flows/${segment(id)}`).catch(() => null)]);
  let job = first;
  const view = h('div', { class: 'job' });
  fill(main, view);

  function isTruncated(field) {
    return (job.truncatedFields ?? []).includes(field);
  }

  // the whole of each value a user asked for, by field: a live refresh re-renders the page, and
  // must not cut it again (nor bring back its "Show all")
  const shown = new Map();

  /** A value in a <pre>, with "Show all" when the server cut it (and it was not shown whole yet). */
  function block(label, value, field) {
    const pre = h('pre', { class: 'value', tabindex: '0', 'aria-label': label }, text(shown.has(field) ? shown.get(field) : value));
    return h('section', { class: 'panel' }, h('h2', {}, label), pre, showAll(pre, field));
  }

  /** "Show all" for a value the server cut, which puts the whole in `pre`; null when there is none to show. */
  function showAll(pre, field) {
    if (!isTruncated(field) || shown.has(field)) return null;
    return button('Show all', async (self) => {
      const full = await get(`jobs/${segment(id)}/full`, { field });
      shown.set(field, full?.value !== undefined ? full.value : full);
      if (!pre.isConnected) return render(); // a refresh came first: show it in what is on the page now
      pre.textContent = text(shown.get(field));
      self.remove();
    });
  }

  async function action(verb, destructive) {
    if (destructive) {
      const ok = await confirmAction({ title: `${verb} job ${id}?`, body: 'A cancelled job does not run again.', action: `${verb[0].toUpperCase()}${verb.slice(1)} it` });
      if (!ok) return;
    }
    await act(() => post(`jobs/${segment(id)}/${verb}`), `Job ${id}: ${verb} done.`);
    await refresh();
  }

  function render() {
    const state = job.state;
    const actions = [
      state === 'dead' ? button('Retry', () => action('retry')) : null,
      ['waiting', 'delayed', 'failed', 'active'].includes(state) ? button('Cancel', () => action('cancel', true), { class: 'danger' }) : null,
      ['delayed', 'failed'].includes(state) ? button('Run now', () => action('promote')) : null,
    ];
    const errors = job.errors ?? [];
    fill(
      view,
      h('div', { class: 'heading' }, h('h1', {}, 'Job ', h('span', { class: 'name' }, job.id)), h('div', { class: 'actions' }, actions)),
      h(
        'dl',
        { class: 'facts grid' },
        fact('State', badge(state)),
        fact('Name', job.name),
        fact('Queue', h('a', { href: `${base}/queues/${segment(job.queue)}` }, job.queue)),
        fact('Attempts', `${count(job.attempts)} / ${count(job.maxAttempts)}`),
        fact('Priority', count(job.priority)),
        fact('Worker', job.worker ?? errors.at(-1)?.worker ?? '–'),
        fact('Enqueued', time(job.enqueuedAt)),
        job.deadReason ? fact('Dead because', job.deadReason) : null,
        fact('Stalls', count(job.stalls)),
      ),
      flow && flow.nodes > 1 ? flowSection(flow, job.id) : null,
      block('Data', job.data, 'data'),
      job.result !== undefined ? block('Result', job.result, 'result') : null,
      job.progress !== undefined ? h('section', { class: 'panel' }, h('h2', {}, 'Progress'), progress(job.progress)) : null,
      h('section', { class: 'panel' }, h('h2', {}, 'Logs'), (job.logs ?? []).length ? h('ol', { class: 'logs' }, job.logs.map((line) => h('li', {}, h('code', {}, text(line))))) : h('p', { class: 'muted' }, 'No logs.')),
      h(
        'section',
        { class: 'panel' },
        h('h2', {}, `Errors (${count(job.errorCount ?? errors.length)})`),
        errors.length ? errors.map((error, i) => attempt(error, i)) : h('p', { class: 'muted' }, 'No failed attempt.'),
      ),
      h('section', { class: 'panel' }, h('h2', {}, 'Timeline'), timeline()),
    );
  }

  function attempt(error, i) {
    const field = `errors[${i}].stack`;
    const stack = h('pre', { class: 'value stack', tabindex: '0' }, shown.has(field) ? text(shown.get(field)) : (error.stack ?? ''));
    return h(
      'details',
      { class: 'attempt', open: i === (job.errors?.length ?? 0) - 1 },
      h('summary', {}, `Attempt ${error.attempt}: `, h('span', { class: 'error-message' }, error.message), h('span', { class: 'muted' }, ' — ', time(error.at), error.worker ? ` on ${error.worker}` : '')),
      error.stack ? stack : null,
      error.stack ? showAll(stack, field) : null,
    );
  }

  /** The server's timeline (`{ at, event, detail? }`), oldest first. */
  function timeline() {
    const events = (job.timeline ?? []).map((entry) => ({ at: entry.at, label: entry.detail ? `${entry.event}: ${entry.detail}` : entry.event }));
    return table([['When', (event) => time(event.at), 'num'], ['What', (event) => event.label]], events, 'No events.');
  }

  async function refresh() {
    job = await get(`jobs/${segment(id)}`);
    render();
  }

  render();
  // live while the job can still change
  const feed = new LiveFeed({
    query: { queue: job.queue },
    events: ['overview', 'jobs'],
    onEvent: () => (SETTLED.includes(job.state) ? undefined : void refresh().catch(() => undefined)),
    poll: () => (SETTLED.includes(job.state) ? Promise.resolve() : refresh()),
  });
  void feed;
}

function fact(label, value) {
  return h('div', {}, h('dt', {}, label), h('dd', {}, value));
}

/** Progress comes as JSON text: a number between 0 and 100 shows as a bar, anything else as text. */
function progress(json) {
  let value = json;
  try {
    value = typeof json === 'string' ? JSON.parse(json) : json;
  } catch {
    // not JSON: shown as it is
  }
  if (typeof value === 'number') return h('progress', { max: 100, value: Math.max(0, Math.min(100, value)) }, `${value}%`);
  return h('pre', { class: 'value' }, text(value));
}
