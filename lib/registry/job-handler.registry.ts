import { Injectable } from '@nestjs/common';
import { DUPLICATE_HANDLER } from '../background.messages.js';
import { DuplicateHandlerError } from '../errors/duplicate-handler.error.js';
import type { JobContext } from '../interfaces/job-context.interface.js';
import type { RetryPolicy } from '../retry/retry.policy.js';
import type { BreakerSpec } from '../engine/ports/breaker-store.interface.js';
import type { GuardedJob, RateLimitRule } from '../engine/storage-engine.interface.js';
import type { RateLimitOptions } from '../rate-limit/rate-limit-options.interface.js';

/** A discovered `@Job` method, bound to its provider instance. */
export interface JobHandler {
  name: string;
  queue: string;
  /** `Class@method`, for messages. */
  target: string;
  priority?: number;
  timeoutMs?: number;
  attempts?: number;
  concurrency?: number;
  /** When a failed attempt is tried again (`@Retry` over the module defaults). */
  retry: RetryPolicy;
  /** The circuit breaker its jobs run behind. */
  breaker?: BreakerSpec;
  rateLimit?: RateLimitOptions;
  /** The module's own (an emit's fan-out job), not one of the application's. */
  internal?: boolean;
  invoke(data: unknown, ctx: JobContext): unknown;
}

/** Every handler of this process, by job name. */
@Injectable()
export class JobHandlerRegistry {
  private readonly handlers = new Map<string, JobHandler>();

  add(handler: JobHandler): void {
    const existing = this.handlers.get(handler.name);
    if (existing) {
      throw new DuplicateHandlerError(DUPLICATE_HANDLER(handler.name, existing.target, handler.target));
    }
    this.handlers.set(handler.name, handler);
  }

  get(name: string): JobHandler | undefined {
    return this.handlers.get(name);
  }

  /** Job name → queue, for every handler. */
  routes(): Map<string, string> {
    return new Map([...this.handlers.values()].map((handler) => [handler.name, handler.queue]));
  }

  /** Handlers with a concurrency limit of their own (whichever queue their jobs are sent to). */
  limited(): { name: string; concurrency: number }[] {
    const limited = [];
    for (const { name, concurrency } of this.handlers.values()) if (concurrency) limited.push({ name, concurrency });
    return limited;
  }

  /** The `concurrency` of each of the application's handlers of `queue` (undefined: no limit of its own). */
  concurrencies(queue: string): (number | undefined)[] {
    const limits = [];
    for (const { queue: own, concurrency, internal } of this.handlers.values()) if (own === queue && !internal) limits.push(concurrency);
    return limits;
  }

  /** Job names of `queue` whose handlers run behind a circuit breaker, with it. */
  guarded(queue: string): GuardedJob[] {
    const guarded = [];
    for (const { name, queue: own, breaker } of this.handlers.values()) {
      if (own === queue && breaker) guarded.push({ jobName: name, breaker });
    }
    return guarded;
  }

  /** The rate limits of `queue`'s handlers, by job name. */
  rateLimited(queue: string): RateLimitRule[] {
    const rules: RateLimitRule[] = [];
    for (const { name, queue: own, rateLimit } of this.handlers.values()) {
      if (own === queue && rateLimit) rules.push({ jobName: name, ...rateLimit });
    }
    return rules;
  }

  /** Queues that have at least one handler here. */
  queues(): string[] {
    return [...new Set([...this.handlers.values()].map((handler) => handler.queue))];
  }
}
