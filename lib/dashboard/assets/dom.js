// Building the page: every piece of data goes in as text (a Text node or textContent), never as
// markup, so a payload holding `<img onerror=...>` or `</script>` shows as those characters.

/** `h('a', { href, class: 'x' }, 'text', child)`: an element; strings and numbers become text nodes. */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on')) element.addEventListener(name.slice(2), value);
    else if (name === 'class') element.className = value;
    else element.setAttribute(name, value === true ? '' : String(value));
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replaces what `element` holds with `children`, in one step (no flash of an empty element). */
export function fill(element, ...children) {
  const fragment = document.createDocumentFragment();
  append(fragment, children);
  element.replaceChildren(fragment);
  return element;
}

/** A table whose rows come from `rows` through `columns` ([heading, row => cell content, class?]). */
export function table(columns, rows, empty = 'Nothing here.') {
  const body = rows.length
    ? rows.map((row) => h('tr', {}, columns.map(([, cell, css]) => h('td', { class: css }, cell(row)))))
    : [h('tr', {}, h('td', { colspan: columns.length, class: 'muted' }, empty))];
  return h(
    'div',
    { class: 'table-wrap' },
    h('table', {}, h('thead', {}, h('tr', {}, columns.map(([heading, , css]) => h('th', { scope: 'col', class: css }, heading)))), h('tbody', {}, body)),
  );
}

/** 1234567 → "1,234,567"; missing → "–". */
export function count(value) {
  return typeof value === 'number' && Number.isFinite(value) ? value.toLocaleString('en-US') : '–';
}

/** A duration in ms, short: "850 ms", "12 s", "4 min", "3 h", "2 d". */
export function duration(ms) {
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) return '–';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const units = [['d', 86_400_000], ['h', 3_600_000], ['min', 60_000], ['s', 1000]];
  const [unit, size] = units.find(([, size]) => ms >= size);
  return `${Math.floor(ms / size)} ${unit}`;
}

/**
 * A time (ms since epoch or ISO text) as a <time>: "09:03:24 (1 min ago)" today, "06/12 21:40" on
 * another day, with the full date and time in its title.
 */
export function time(value, relative = true) {
  if (value === undefined || value === null || value === '') return '–';
  const date = new Date(typeof value === 'number' || /^\d+$/.test(value) ? Number(value) : value);
  if (Number.isNaN(date.getTime())) return String(value);
  const today = date.toDateString() === new Date().toDateString();
  const short = today
    ? date.toLocaleTimeString('en-GB')
    : `${date.toLocaleDateString('en-GB', { day: '2-digit', month: '2-digit' })} ${date.toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit' })}`;
  const delta = date.getTime() - Date.now();
  const ago = relative && Math.abs(delta) < 86_400_000 ? ` (${delta < 0 ? `${duration(-delta)} ago` : `in ${duration(delta)}`})` : '';
  return h('time', { datetime: date.toISOString(), title: date.toLocaleString('en-GB') }, `${short}${ago}`);
}

/** Any value as readable text: strings as they are, the rest as indented JSON. */
export function text(value) {
  if (value === undefined) return '–';
  if (typeof value === 'string') return value;
  try {
    return JSON.stringify(value, null, 2) ?? String(value);
  } catch {
    return String(value);
  }
}

/** A button; `action` runs on click, with the button disabled meanwhile. */
export function button(label, action, attributes = {}) {
  const element = h('button', { type: 'button', ...attributes }, label);
  element.addEventListener('click', async () => {
    element.disabled = true;
    try {
      await action(element);
    } finally {
      element.disabled = false;
    }
  });
  return element;
}

/** A state name as a coloured tag (the colour is a class, the word is the text). */
export function badge(state) {
  return h('span', { class: `badge badge-${String(state).replace(/[^\w-]/g, '')}` }, String(state ?? '–'));
}
