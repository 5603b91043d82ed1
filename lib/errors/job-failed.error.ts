import { BackgroundError } from './background.error.js';

/**
 * The job ended dead (or cancelled) while `waitFor` was waiting for it.
 * @publicApi
 */
export class JobFailedError extends BackgroundError {}
