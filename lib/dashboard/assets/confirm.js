// Destructive actions ask first, in a modal <dialog> (focus trapped, Escape cancels). Where the
// server wants a `confirm` value, the user types it, as GitHub asks for a repository's name.
import { h } from './dom.js';

/**
 * Resolves to the confirmation to send (the typed `expected`, or true) or undefined when cancelled.
 * `expected`, when given, must be typed exactly before the destructive button enables.
 */
export function confirmAction({ title, body, action, expected }) {
  return new Promise((resolve) => {
    const input = expected === undefined ? null : h('input', { type: 'text', autocomplete: 'off', spellcheck: 'false', 'aria-label': 'Confirmation' });
    const go = h('button', { type: 'submit', class: 'danger', value: 'go', disabled: input !== null }, action);
    const dialog = h(
      'dialog',
      { class: 'confirm', 'aria-labelledby': 'confirm-title' },
      h(
        'form',
        { method: 'dialog' },
        h('h2', { id: 'confirm-title' }, title),
        h('p', {}, body),
        input && h('label', {}, 'Type ', h('code', {}, expected), ' to confirm: ', input),
        h('div', { class: 'actions' }, h('button', { type: 'submit', value: 'cancel' }, 'Cancel'), go),
      ),
    );
    input?.addEventListener('input', () => (go.disabled = input.value !== expected));
    dialog.addEventListener('close', () => {
      dialog.remove();
      resolve(dialog.returnValue === 'go' ? (expected ?? true) : undefined);
    });
    document.body.append(dialog);
    dialog.showModal();
    (input ?? go).focus();
  });
}
