import { BackgroundError } from './background.error.js';

/**
 * A guard (`@UseGuards`) of the job's handler returned false; the attempt fails and is retried
 * like any other failure.
 * @publicApi
 */
export class JobForbiddenError extends BackgroundError {}
