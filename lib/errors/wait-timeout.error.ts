import { BackgroundError } from './background.error.js';

/**
 * `waitFor` gave up before the job finished.
 * @publicApi
 */
export class WaitTimeoutError extends BackgroundError {}
