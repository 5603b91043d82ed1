import type { BackoffOptions } from '../interfaces/background-options.interface.js';

/** Delay before the attempt after `attempt` (1-based), with jitter spread over [delay/2, delay]. */
export function backoffDelay(policy: Required<BackoffOptions>, attempt: number): number {
  const base = policy.type === 'fixed' ? policy.delayMs : policy.delayMs * 2 ** (attempt - 1);
  const delay = Math.min(base, policy.maxDelayMs);
  return Math.round(policy.jitter ? delay / 2 + (Math.random() * delay) / 2 : delay);
}
