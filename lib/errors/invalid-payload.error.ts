import { BackgroundError } from './background.error.js';

/**
 * A payload that JSON cannot carry faithfully, or that is over the size limit.
 * @publicApi
 */
export class InvalidPayloadError extends BackgroundError {}
