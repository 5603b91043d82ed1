import type { JobErrorRecord } from '../../interfaces/job-info.interface.js';
import { ERRORS_KEPT } from '../storage-engine.interface.js';
import type { MemoryJob } from './memory-job.interface.js';

/** Records a failed attempt's error with the job: the last `ERRORS_KEPT` are kept, all are counted. */
export function recordError(job: MemoryJob, error: JobErrorRecord): void {
  job.errorCount = (job.errorCount ?? 0) + 1;
  job.errors.push(error);
  if (job.errors.length > ERRORS_KEPT) job.errors.splice(0, job.errors.length - ERRORS_KEPT);
}
