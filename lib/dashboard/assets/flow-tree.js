// A flow as nested lists: each job's state, name and id (a link to its page), the job of the page
// marked rather than linked. The server lists 100 children per job at most and says how many more.
// Text only, as everywhere (dom.js): a job name holding markup shows as those characters.
import { base, segment } from './api.js';
import { badge, count, h } from './dom.js';

/** The "Flow" section of a job's page, from `GET flows/:id` (`{ id, root, nodes, capped }`). */
export function flowSection(flow, current) {
  return h(
    'section',
    { class: 'panel flow', 'aria-label': 'Flow' },
    h('h2', {}, `Flow (${count(flow.nodes)} job${flow.nodes === 1 ? '' : 's'}${flow.capped ? ' shown' : ''})`),
    h('ul', { class: 'flow-tree' }, node(flow.root, current)),
  );
}

function node(item, current) {
  const here = item.id === current;
  const label = here
    ? h('strong', { 'aria-current': 'page' }, item.id)
    : item.deleted
      ? h('span', { class: 'muted' }, `${item.id} (deleted by retention)`)
      : h('a', { href: `${base}/jobs/${segment(item.id)}` }, item.id);
  const more = item.moreChildren > 0 ? h('li', { class: 'muted flow-more' }, `… and ${count(item.moreChildren)}${item.moreCapped ? '+' : ''} more`) : null;
  const children = item.children ?? [];
  return h(
    'li',
    { 'data-id': item.id, 'data-state': item.state, class: here ? 'flow-node current' : 'flow-node' },
    badge(item.state),
    ' ',
    h('span', { class: 'name' }, item.name),
    ' ',
    label,
    item.onFailure && item.onFailure !== 'fail-parent' ? h('span', { class: 'muted' }, ` (on failure: ${item.onFailure})`) : null,
    children.length || more ? h('ul', {}, children.map((child) => node(child, current)), more) : null,
  );
}
