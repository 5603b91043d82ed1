// Circuit breakers: state, recent failures, half-open probes, and open / reset by hand.
import { get, post, segment } from '../api.js';
import { confirmAction } from '../confirm.js';
import { badge, button, count, h, time } from '../dom.js';
import { listPage, rows } from '../list-page.js';
import { act } from '../notice.js';

export function mount(main) {
  return listPage(main, {
    title: 'Circuit breakers',
    intro: 'A breaker is shared by every instance: opening it here stops its handlers cluster-wide until it is reset or its timeout passes.',
    empty: 'No circuit breaker is declared.',
    load: async () => rows(await get('breakers'), 'breakers'),
    columns: (refresh) => [
      ['Name', (b) => h('span', { class: 'name' }, b.name)],
      ['State', (b) => badge(b.state)],
      ['Failures', (b) => `${count(b.failures)}${b.failureThreshold ? ` / ${count(b.failureThreshold)}` : ''}`, 'num'],
      ['Probes', (b) => `${count(b.probes ?? b.halfOpenProbes)}`, 'num'],
      ['Opened', (b) => time(b.openedAt), 'num'],
      ['Retry at', (b) => time(b.retryAt ?? b.closesAt ?? b.halfOpenAt), 'num'],
      [
        'Actions',
        (b) =>
          h(
            'div',
            { class: 'actions' },
            button('Open', async () => {
              const ok = await confirmAction({ title: `Open breaker ${b.name}?`, body: 'Its handlers stop running on every instance until it is reset.', action: 'Open it' });
              if (ok) await act(() => post(`breakers/${segment(b.name)}/open`, { confirm: b.name }), `${b.name} opened.`).then(refresh);
            }, { class: 'danger' }),
            button('Reset', () => act(() => post(`breakers/${segment(b.name)}/reset`), `${b.name} reset.`).then(refresh)),
          ),
      ],
    ],
  });
}
