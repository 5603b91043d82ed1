import { BackgroundError } from './background.error.js';

/**
 * An option that is unknown or out of range, in `forRoot`, `@Job` or `enqueue`.
 * @publicApi
 */
export class InvalidOptionsError extends BackgroundError {}
