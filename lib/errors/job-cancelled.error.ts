import { JOB_CANCELLED } from '../background.messages.js';
import { BackgroundError } from './background.error.js';

/**
 * The reason `ctx.signal` aborts with when a user cancels a running job.
 * @publicApi
 */
export class JobCancelledError extends BackgroundError {
  constructor(readonly jobId: string) {
    super(JOB_CANCELLED(jobId));
  }
}
