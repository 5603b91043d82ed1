import { Injectable } from '@nestjs/common';
import { assertKnownKeys, integer } from '../background-options.checks.js';
import { BREAKER_MISMATCH, BREAKER_NAME } from '../background.messages.js';
import { InvalidOptionsError } from '../errors/invalid-options.error.js';
import { BREAKER_DEFAULTS } from './breaker.constants.js';
import type { BreakerSpec } from '../engine/ports/breaker-store.interface.js';
import type { CircuitBreakerMetadata } from './circuit-breaker.decorator.js';

const OPTION_KEYS = Object.keys(BREAKER_DEFAULTS);

export interface DeclaredBreaker {
  spec: BreakerSpec;
  /** The queue of the handlers behind it: its state lives with that queue's jobs. */
  queue: string;
  /** `Class@method` of the first handler that declared it. */
  target: string;
}

/** Every circuit breaker declared by a `@CircuitBreaker` in this process, by name. */
@Injectable()
export class BreakerRegistry {
  private readonly breakers = new Map<string, DeclaredBreaker>();

  /** Resolves a handler's breaker; handlers that share one must agree on its options and queue. */
  declare({ name, options }: CircuitBreakerMetadata, queue: string, target: string): BreakerSpec {
    if (typeof name !== 'string' || !/^[\w.:-]{1,100}$/.test(name)) throw new InvalidOptionsError(BREAKER_NAME(target, name));
    const where = `@CircuitBreaker('${name}') on ${target}`;
    assertKnownKeys(where, options, OPTION_KEYS);
    const option = (key: keyof typeof BREAKER_DEFAULTS) => integer(where, key, options[key], BREAKER_DEFAULTS[key], 1);
    const spec: BreakerSpec = {
      name,
      failureThreshold: option('failureThreshold'),
      windowMs: option('windowMs'),
      resetTimeoutMs: option('resetTimeoutMs'),
      halfOpenProbes: option('halfOpenProbes'),
    };
    const first = this.breakers.get(name);
    if (!first) {
      this.breakers.set(name, { spec, queue, target });
      return spec;
    }
    if (first.queue !== queue) {
      throw new InvalidOptionsError(BREAKER_MISMATCH(name, first.target, target, `queue "${queue}" against "${first.queue}"`));
    }
    const differs = OPTION_KEYS.filter((key) => spec[key as keyof BreakerSpec] !== first.spec[key as keyof BreakerSpec]);
    if (differs.length > 0) throw new InvalidOptionsError(BREAKER_MISMATCH(name, first.target, target, `options ${differs.join(', ')}`));
    return first.spec;
  }

  get(name: string): DeclaredBreaker | undefined {
    return this.breakers.get(name);
  }

  all(): DeclaredBreaker[] {
    return [...this.breakers.values()];
  }
}
