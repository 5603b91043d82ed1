import { BackgroundError } from './background.error.js';

/**
 * `enqueue` of a job name that no handler in the cluster has registered.
 * @publicApi
 */
export class UnknownJobError extends BackgroundError {}
