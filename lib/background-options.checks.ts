import { INVALID_OPTION, UNKNOWN_OPTION } from './background.messages.js';
import { InvalidOptionsError } from './errors/invalid-options.error.js';

// The checks every options object goes through (the module's, a breaker's, a schedule's, a rate
// limit's, a call's), apart from background.config so that the option types it gathers can use them.

export function assertKnownKeys(where: string, value: object, known: readonly string[]): void {
  if (value === null || typeof value !== 'object') {
    throw new InvalidOptionsError(`${where} expects an options object, got ${value === null ? 'null' : typeof value}.`);
  }
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) throw new InvalidOptionsError(UNKNOWN_OPTION(where, key, known));
  }
}

export function assertQueueName(where: string, queue: unknown): asserts queue is string {
  if (typeof queue !== 'string' || !/^[\w.-]{1,100}$/.test(queue)) {
    throw new InvalidOptionsError(INVALID_OPTION(where, 'queue', 'a name of letters, digits, "_", "." or "-"', queue));
  }
}

/** An integer option from `min` to `max`, or `fallback` when absent (undefined: an option with no default). */
export function integer<F extends number | undefined>(where: string, key: string, value: unknown, fallback: F, min: number, max = Infinity): number | F {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    const expected = max === Infinity ? `an integer of at least ${min}` : `an integer from ${min} to ${max}`;
    throw new InvalidOptionsError(INVALID_OPTION(where, key, expected, value));
  }
  return value;
}
