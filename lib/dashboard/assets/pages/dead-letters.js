// Dead letters, grouped by error message: redrive or purge a whole group, after a confirmation.
import { base, get, post, segment } from '../api.js';
import { confirmAction } from '../confirm.js';
import { button, count, h, time } from '../dom.js';
import { listPage } from '../list-page.js';
import { act } from '../notice.js';

export function mount(main) {
  return listPage(main, {
    title: 'Dead letters',
    intro: 'Jobs that failed for good, grouped by their last error. Redrive sends a group back to its queue with fresh attempts; purge deletes it.',
    empty: 'The dead-letter queue is empty.',
    load: async () => {
      const answer = await get('dead-letters/groups');
      return { rows: answer.groups, note: answer.capped ? 'Grouped from the newest dead jobs of each queue only (the server caps how many it reads).' : '' };
    },
    columns: (refresh) => [
      ['Error', (group) => h('span', { class: 'error-message' }, group.message ?? group.key)],
      ['Jobs', (group) => count(group.count), 'num'],
      ['Newest', (group) => time(group.newest), 'num'],
      ['Oldest', (group) => time(group.oldest), 'num'],
      ['Examples', (group) => (group.sampleIds ?? []).slice(0, 3).map((id) => [h('a', { href: `${base}/jobs/${segment(id)}` }, id), ' '])],
      [
        'Actions',
        (group) =>
          h(
            'div',
            { class: 'actions' },
            button('Redrive this group', () => run(group, 'redrive', refresh)),
            button('Purge this group', () => run(group, 'purge', refresh), { class: 'danger' }),
          ),
      ],
    ],
  });
}

async function run(group, verb, refresh) {
  const confirm = await confirmAction({
    title: `${verb === 'redrive' ? 'Redrive' : 'Purge'} ${count(group.count)} dead job(s)?`,
    body:
      verb === 'redrive'
        ? `Every dead job whose error is "${group.message}" goes back to its queue and runs again.`
        : `Every dead job whose error is "${group.message}" is deleted for good.`,
    action: verb === 'redrive' ? 'Redrive them' : 'Purge them',
  });
  if (!confirm) return;
  await act(
    () => post(`dead-letters/groups/${segment(group.key)}/${verb}`, { confirm: group.key }),
    (result) => `${verb === 'redrive' ? 'Redriven' : 'Purged'}: ${count(result?.redriven ?? result?.purged)} job(s).`,
  );
  await refresh();
}
