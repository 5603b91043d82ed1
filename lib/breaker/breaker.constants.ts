export const CIRCUIT_BREAKER_METADATA = 'nestjs-background:circuit-breaker';

/** The options every breaker gets unless its `@CircuitBreaker` says otherwise. */
export const BREAKER_DEFAULTS = {
  failureThreshold: 5,
  windowMs: 60_000,
  resetTimeoutMs: 30_000,
  halfOpenProbes: 1,
} as const;
