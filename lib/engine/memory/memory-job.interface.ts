import type { DeadReason, JobErrorRecord, JobState } from '../../interfaces/job-info.interface.js';
import type { StoredRedrive } from '../stored-job.interface.js';

/** One job as the memory engine keeps it: the same fields the Redis engine keeps in its hash. */
export interface MemoryJob {
  id: string;
  name: string;
  data: string;
  priority: number;
  maxAttempts: number;
  attempts: number;
  timeoutMs: number;
  enqueuedAt: number;
  /** `NewJob.trace`. */
  trace?: string;
  state: JobState;
  runAt?: number;
  startedAt?: number;
  finishedAt?: number;
  worker?: string;
  /** Claimed by `worker` but not started yet: shown as waiting, neither an attempt nor a stall so far. */
  reserved?: boolean;
  /** Times a worker died while it held the job reserved: such a job is only claimed to start. */
  suspected?: number;
  /** The parked list it waits in, behind a circuit breaker or a rate limit (shown as waiting). */
  parkedBy?: string;
  /** Sent back from a rate limit's list, counted in that window already: `<list>@<window>`. */
  rateMark?: string;
  /** When a worker without its handler first handed it back. */
  noHandlerSince?: number;
  deadReason?: DeadReason;
  /** Each trip out of the dead-letter queue. */
  redrives: StoredRedrive[];
  result?: string;
  errors: JobErrorRecord[];
  /** Errors recorded in all; `errors` keeps the last `ERRORS_KEPT`. */
  errorCount?: number;
  progress?: string;
  logs: string[];
  stalls: number;
}
