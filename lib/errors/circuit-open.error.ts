import { BackgroundError } from './background.error.js';

/**
 * Thrown by `CircuitBreakerService.run` while the breaker is open: the call was not made.
 * @publicApi
 */
export class CircuitOpenError extends BackgroundError {}
