import { SetMetadata } from '@nestjs/common';
import { CIRCUIT_BREAKER_METADATA } from './breaker.constants.js';
import type { CircuitBreakerOptions } from './circuit-breaker-options.interface.js';

export interface CircuitBreakerMetadata {
  name: string;
  options: CircuitBreakerOptions;
}

/**
 * Runs the `@Job` handler on the same method behind the circuit breaker `name` (name it after the
 * dependency: `'smtp'`), shared by every process of the cluster and by every handler of the same
 * queue that names it. While it is open, jobs behind it wait in storage and use no attempts.
 * @publicApi
 */
export const CircuitBreaker = (name: string, options: CircuitBreakerOptions = {}): MethodDecorator =>
  SetMetadata<string, CircuitBreakerMetadata>(CIRCUIT_BREAKER_METADATA, { name, options });
