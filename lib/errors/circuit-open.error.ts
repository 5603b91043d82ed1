import { BackgroundError } from './background.error.js';

/**
 * Thrown by `CircuitBreakerService.run` while the breaker is open: the call was not made.
 * @publicApi
 */
export class CircuitOpenError extends BackgroundError {
  constructor(
    message: string,
    /** About when the breaker lets a probe through; undefined while it is open by hand (until reset). */
    readonly retryInMs?: number,
  ) {
    super(message);
  }
}
