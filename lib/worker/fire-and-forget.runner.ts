import { Injectable, Logger } from '@nestjs/common';
import { BackgroundOrchestrator } from '../background.orchestrator.js';
import { InvalidOptionsError } from '../errors/invalid-options.error.js';
import { FIRE_AND_FORGET_FAILED, FIRE_AND_FORGET_NOT_A_FUNCTION } from '../events/events.messages.js';
import { readThrown } from './thrown-value.js';
import { printable } from '../logging/printable.js';

/**
 * `jobs.fireAndForget(fn, data)`: runs `fn` in this process on the next tick, not durable and not
 * retried. Whatever it throws or rejects with is caught, logged and counted, so that it never
 * becomes an unhandled rejection (which ends a Node process); shutdown waits for it.
 */
@Injectable()
export class FireAndForgetRunner {
  private readonly logger = new Logger('Background');
  /** Tasks of this process that threw or rejected, since it started. */
  failures = 0;

  constructor(private readonly orchestrator: BackgroundOrchestrator) {}

  run<T>(fn: (data: T) => unknown, data?: T): void {
    if (typeof fn !== 'function') throw new InvalidOptionsError(FIRE_AND_FORGET_NOT_A_FUNCTION(fn));
    const task = Promise.resolve()
      .then(() => fn(data as T))
      .then(
        () => undefined,
        (error: unknown) => this.failed(fn.name || '(anonymous)', error),
      );
    this.orchestrator.track(task);
  }

  private failed(task: string, error: unknown): void {
    this.failures++;
    const { message, stack } = readThrown(error);
    try {
      this.logger.error(FIRE_AND_FORGET_FAILED(printable(task), printable(message)));
      if (stack) this.logger.debug(`fireAndForget task ${task}: ${stack}`);
    } catch {
      // a logger that throws must not become an unhandled rejection
    }
  }
}
