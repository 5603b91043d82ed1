import { BackgroundError } from './background.error.js';

/**
 * Two `@Job` handlers share one name.
 * @publicApi
 */
export class DuplicateHandlerError extends BackgroundError {}
