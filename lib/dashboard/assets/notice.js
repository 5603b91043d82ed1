// One line at the top of the page that says what an action did or why it failed.
import { fill, h } from './dom.js';

let region;

/** Shows `message` (as text) for a while; `kind` is 'ok' or 'error' (errors also go to screen readers at once). */
export function notify(message, kind = 'ok') {
  region ??= document.body.insertBefore(h('div', { id: 'notice', class: 'notice', role: 'status', 'aria-live': 'polite' }), document.querySelector('main'));
  region.setAttribute('role', kind === 'error' ? 'alert' : 'status');
  region.className = `notice notice-${kind}`;
  fill(region, message);
  clearTimeout(region.timer);
  region.timer = setTimeout(() => fill(region), kind === 'error' ? 15_000 : 6_000);
}

/** Runs `action`, then notifies `done(result)`; a failure notifies its message. */
export async function act(action, done) {
  try {
    const result = await action();
    notify(typeof done === 'function' ? done(result) : done);
    return result;
  } catch (error) {
    notify(error.message ?? String(error), 'error');
    return undefined;
  }
}
