import { Logger } from '@nestjs/common';
import type { BackoffOptions } from '../interfaces/background-options.interface.js';
import { UnrecoverableError } from '../errors/unrecoverable.error.js';
import { BACKOFF_FUNCTION_FAILED, RETRY_IF_FAILED } from '../background.messages.js';
import type { BackoffFunction } from './retry-options.interface.js';
import { backoffDelay } from './retry.backoff.js';
import { NO_RETRY } from '../engine/storage-engine.interface.js';
import { readThrown } from '../worker/thrown-value.js';
import { printable } from '../logging/printable.js';

/** When a failed attempt is tried again: a handler's `@Retry` merged over the module's defaults. */
export class RetryPolicy {
  private readonly logger = new Logger('Background');

  constructor(
    private readonly backoff: Required<BackoffOptions> | BackoffFunction,
    private readonly retryIf: ((error: Error) => boolean) | undefined,
    /** `Class@method`, for messages. */
    private readonly target: string,
  ) {}

  /** Milliseconds until the next attempt, or a `NO_RETRY` code (below 0) saying why there is none. */
  next(error: Error, attempt: number, maxAttempts: number): number {
    if (error instanceof UnrecoverableError) return NO_RETRY.unrecoverable;
    if (attempt >= maxAttempts) return NO_RETRY.exhausted;
    if (!this.worthRetrying(error)) return NO_RETRY.retryIf;
    if (typeof this.backoff !== 'function') return backoffDelay(this.backoff, attempt);
    try {
      const delay = this.backoff(attempt, error);
      if (typeof delay === 'number' && Number.isFinite(delay) && delay >= 0) return Math.round(delay);
      throw new Error(`it returned ${String(delay)}`);
    } catch (failure) {
      // a broken rule must not lose the retry: the next attempt comes at once
      this.logger.error(BACKOFF_FUNCTION_FAILED(this.target, printable(readThrown(failure).message)));
      return 0;
    }
  }

  private worthRetrying(error: Error): boolean {
    if (!this.retryIf) return true;
    try {
      return this.retryIf(error) !== false;
    } catch (failure) {
      this.logger.error(RETRY_IF_FAILED(this.target, printable(readThrown(failure).message)));
      return true;
    }
  }
}
