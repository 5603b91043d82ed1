import { BackgroundError } from './background.error.js';

/**
 * `SchedulerRegistry.getCronJob`, `getInterval`, `getTimeout` (or a delete) found nothing of that name.
 * @publicApi
 */
export class SchedulerNotFoundError extends BackgroundError {}
