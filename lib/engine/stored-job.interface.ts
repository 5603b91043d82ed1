import type { DeadReason, JobErrorRecord, JobState } from '../interfaces/job-info.interface.js';

/** A stored job, fields still in their stored (serialized) form. */
export interface StoredJob {
  id: string;
  name: string;
  queue: string;
  state: JobState;
  data: string;
  priority: number;
  attempts: number;
  maxAttempts: number;
  result?: string;
  /** The last `ERRORS_KEPT` errors. */
  errors: JobErrorRecord[];
  /** Errors recorded in all, including those no longer kept. */
  errorCount: number;
  progress?: string;
  logs: string[];
  stalls: number;
  deadReason?: DeadReason;
  skipReason?: string;
  /** A parent: children not ended yet. */
  waitingChildren?: number;
  /** Jobs waiting on this one. */
  parents?: string[];
  /** Each time the job left the dead-letter queue by `redrive`, oldest first. */
  redrives: StoredRedrive[];
  enqueuedAt: number;
  runAt?: number;
  startedAt?: number;
  finishedAt?: number;
}

/** One trip out of the dead-letter queue: when, why the job had died, how many error records it had then. */
export interface StoredRedrive {
  at: number;
  deadReason: DeadReason;
  errorCount: number;
}
