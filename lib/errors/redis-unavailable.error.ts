import { BackgroundError } from './background.error.js';

/**
 * Redis did not answer in time; nothing was written.
 * @publicApi
 */
export class RedisUnavailableError extends BackgroundError {}
