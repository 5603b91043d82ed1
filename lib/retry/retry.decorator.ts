import { SetMetadata } from '@nestjs/common';
import { RETRY_METADATA } from './retry.constants.js';
import type { RetryOptions } from './retry-options.interface.js';

/**
 * The retry policy of the `@Job` handler on the same method: how many attempts, how long between
 * them, and which errors are worth another one. Retries wait in storage as delayed jobs.
 * @publicApi
 */
export const Retry = (options: RetryOptions): MethodDecorator => SetMetadata(RETRY_METADATA, options);
