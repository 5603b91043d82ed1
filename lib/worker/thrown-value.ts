/**
 * How much of a failure is kept: a handler may throw a 20 MB message, or a stack of one, and each
 * attempt's error is stored, logged and published. Characters of the JavaScript string.
 */
export const ERROR_LIMITS = { name: 200, message: 4096, stack: 8192 } as const;

/**
 * What was thrown, read once: `error` is handed to retry policies and job events (the thrown
 * `Error` itself, so that `instanceof` and its own fields still work, or an `Error` describing a
 * value that is not one); `name`, `message` and `stack` are safe to log and store, and bounded.
 */
export interface ThrownValue {
  readonly error: Error;
  readonly name: string;
  readonly message: string;
  readonly stack?: string;
}

/**
 * Reads a thrown value without ever throwing: handlers throw `Object.create(null)`, parsed API
 * error bodies whose `toString` is a string, objects whose `toString` throws, errors whose
 * `message` getter throws, and proxies that throw on any look.
 */
export function readThrown(thrown: unknown): ThrownValue {
  if (isError(thrown)) {
    const name = attempt(() => thrown.name);
    const message = attempt(() => thrown.message);
    const stack = attempt(() => thrown.stack);
    return {
      error: thrown,
      name: bounded(typeof name.value === 'string' && name.value ? name.value : 'Error', ERROR_LIMITS.name),
      message: bounded(message.failed ? `(its message could not be read: ${describe(message.value)})` : stringOf(message.value), ERROR_LIMITS.message),
      ...(typeof stack.value === 'string' ? { stack: boundedStack(stack.value) } : {}),
    };
  }
  const message = bounded(`non-Error thrown: ${describe(thrown)}`, ERROR_LIMITS.message);
  const error = new Error(message);
  // its own stack would point here, not at the handler
  error.stack = `Error: ${message}`;
  return { error, name: 'Error', message };
}

/** `text` cut to `limit` characters, saying how long it was. */
export function bounded(text: string, limit: number): string {
  if (text.length <= limit) return text;
  const marker = ` … [cut: ${text.length} characters]`;
  return text.slice(0, Math.max(0, limit - marker.length)) + marker;
}

/** A stack keeps its head (the message) and its tail (the frames), each half the limit. */
function boundedStack(stack: string): string {
  const limit = ERROR_LIMITS.stack;
  if (stack.length <= limit) return stack;
  const marker = `\n    … [cut: ${stack.length - limit} of ${stack.length} characters]\n`;
  const half = Math.floor((limit - marker.length) / 2);
  return stack.slice(0, half) + marker + stack.slice(stack.length - half);
}

function isError(value: unknown): value is Error {
  try {
    return value instanceof Error;
  } catch {
    // a proxy whose getPrototypeOf trap throws
    return false;
  }
}

function attempt(read: () => unknown): { value: unknown; failed: boolean } {
  try {
    return { value: read(), failed: false };
  } catch (error) {
    return { value: error, failed: true };
  }
}

function stringOf(value: unknown): string {
  return typeof value === 'string' ? value : describe(value);
}

/** A value as text, as readable as it lets itself be read; never throws. */
export function describe(value: unknown): string {
  if (typeof value === 'string') return value;
  const json = () => JSON.stringify(value);
  const text = () => String(value);
  // an error's own fields are not enumerable: JSON would say {}
  for (const read of isError(value) ? [text, json] : [json, text, () => Object.prototype.toString.call(value)]) {
    const text = attempt(read).value;
    if (typeof text === 'string') return text;
  }
  return '(a value that cannot be read)';
}
