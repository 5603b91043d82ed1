/**
 * Control characters (C0, DEL, C1), line and paragraph separators, and the bidirectional
 * overrides that make a terminal show text in another order than it was written.
 */
// eslint-disable-next-line no-control-regex
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const SHORT: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/**
 * `text` with each control character written as an escape (`\n`, `\u001b`), for ids and names a
 * caller chose: logged as they are, a newline in a job id would forge a log line of its own.
 */
export function printable(text: string): string {
  return text.replace(UNPRINTABLE, (char) => SHORT[char] ?? `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** How log lines name a job; its id and name may come from a caller. */
export function jobLabel(job: { readonly name: string; readonly id: string }): string {
  return `Job ${printable(job.name)} (${printable(job.id)})`;
}
