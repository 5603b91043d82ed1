// Circuit breakers: state, failures in the window, jobs parked behind it, half-open probes, and
// open / reset by hand.
import { get, post, segment } from '../api.js';
import { confirmAction } from '../confirm.js';
import { badge, button, count, duration, h, time } from '../dom.js';
import { listPage } from '../list-page.js';
import { act } from '../notice.js';

export function mount(main) {
  return listPage(main, {
    title: 'Circuit breakers',
    intro: 'A breaker is shared by every instance: opened by hand, it stops its handlers cluster-wide until it is reset.',
    empty: 'No circuit breaker is declared.',
    load: async () => ({ rows: (await get('breakers')).breakers }),
    columns: (refresh) => [
      ['Name', (b) => h('span', { class: 'name' }, b.name)],
      ['Queue', (b) => b.queue],
      ['State', (b) => [badge(b.state), b.openedByHand ? h('span', { class: 'muted' }, ' by hand') : null]],
      ['Failures', (b) => `${count(b.failures)} / ${count(b.options?.failureThreshold)} in ${duration(b.options?.windowMs)}`, 'num'],
      ['Parked', (b) => count(b.parked), 'num'],
      ['Probes', (b) => `${count(b.probes)} / ${count(b.options?.halfOpenProbes)}`, 'num'],
      ['Opened', (b) => time(b.openedAt), 'num'],
      [
        'Actions',
        (b) =>
          h(
            'div',
            { class: 'actions' },
            button(
              'Open',
              async () => {
                const ok = await confirmAction({ title: `Open breaker ${b.name}?`, body: 'Its handlers stop running on every instance until it is reset.', action: 'Open it' });
                if (ok) await act(() => post(`breakers/${segment(b.name)}/open`), `${b.name} opened.`).then(refresh);
              },
              { class: 'danger', disabled: b.state === 'open' },
            ),
            button('Reset', () => act(() => post(`breakers/${segment(b.name)}/reset`), `${b.name} reset.`).then(refresh), { disabled: b.state === 'closed' }),
          ),
      ],
    ],
  });
}
