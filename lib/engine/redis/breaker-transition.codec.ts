import type { BreakerTransition } from '../ports/breaker-store.interface.js';

/** The transition a breaker script reports (see breaker_failed in breaker.lua), if it made one. */
export function decodeTransition(breaker: string, made: string): BreakerTransition | undefined {
  if (made === 'reopened') return { breaker, to: 'open', reopened: true };
  if (made === 'open' || made === 'closed' || made === 'half-open') return { breaker, to: made };
  return undefined;
}
