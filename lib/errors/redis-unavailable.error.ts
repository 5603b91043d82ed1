import { BackgroundError } from './background.error.js';

/**
 * Redis could not be reached, or went away before it answered; the message names its address
 * and says whether the call may have taken effect.
 * @publicApi
 */
export class RedisUnavailableError extends BackgroundError {}
