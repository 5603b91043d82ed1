import { BackgroundError } from './background.error.js';

/**
 * No job with the given id.
 * @publicApi
 */
export class JobNotFoundError extends BackgroundError {}
