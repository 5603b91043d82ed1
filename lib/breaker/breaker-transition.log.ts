import type { Logger } from '@nestjs/common';
import { BREAKER_CLOSED, BREAKER_HALF_OPEN, BREAKER_OPENED, BREAKER_REOPENED } from '../background.messages.js';
import type { BreakerSpec, BreakerTransition } from '../engine/ports/breaker-store.interface.js';

/**
 * Tells of a breaker's transition. Storage reports each transition to the one call that made it,
 * so the cluster logs it once, not once per process.
 */
export function logTransition(logger: Logger, { breaker, to, reopened }: BreakerTransition, specs: readonly (BreakerSpec | { breaker: BreakerSpec })[]): void {
  const spec = specs.map((entry) => ('breaker' in entry ? entry.breaker : entry)).find((candidate) => candidate.name === breaker);
  if (to === 'open' && reopened) {
    logger.warn(spec ? BREAKER_REOPENED(breaker, spec.resetTimeoutMs) : `Circuit breaker "${breaker}" reopened: its probe failed.`);
  } else if (to === 'open') {
    logger.warn(
      spec ? BREAKER_OPENED(breaker, spec.failureThreshold, spec.windowMs, spec.resetTimeoutMs) : `Circuit breaker "${breaker}" opened.`,
    );
  } else if (to === 'half-open') {
    logger.log(BREAKER_HALF_OPEN(breaker, spec?.halfOpenProbes ?? 1));
  } else {
    logger.log(BREAKER_CLOSED(breaker));
  }
}
