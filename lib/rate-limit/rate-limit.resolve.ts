import { assertKnownKeys, integer } from '../background-options.checks.js';
import { InvalidOptionsError } from '../errors/invalid-options.error.js';
import { INVALID_OPTION } from '../background.messages.js';
import type { RateLimitOptions } from './rate-limit-options.interface.js';

const KEYS = ['max', 'perMs'] as const;

/** A `rateLimit` option checked where it was given (`@Job(...)` or `queues.<name>`). */
export function resolveRateLimit(where: string, value: unknown): RateLimitOptions | undefined {
  if (value === undefined) return undefined;
  if (value === null || typeof value !== 'object') {
    throw new InvalidOptionsError(INVALID_OPTION(where, 'rateLimit', 'an object { max, perMs }', value));
  }
  assertKnownKeys(`${where} rateLimit`, value, KEYS);
  const { max, perMs } = value as Partial<RateLimitOptions>;
  if (max === undefined || perMs === undefined) {
    throw new InvalidOptionsError(INVALID_OPTION(where, 'rateLimit', 'both max and perMs, e.g. { max: 100, perMs: 1000 }', value));
  }
  return { max: integer(where, 'rateLimit.max', max, 1, 1), perMs: integer(where, 'rateLimit.perMs', perMs, 1, 1) };
}
