import type { DeadReason, JobErrorRecord, JobState } from '../../interfaces/job-info.interface.js';
import type { StoredRedrive } from '../stored-job.interface.js';
import type { ChildFailurePolicy } from '../ports/flow-store.interface.js';

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
  /** Reserved and counted by a rate limit: when the window that counted it ends (its start is recorded before). */
  rateDeadline?: number;
  /** Times a worker died while it held the job reserved: such a job is only claimed to start. */
  suspected?: number;
  /** The parked list it waits in, behind a circuit breaker or a rate limit (shown as waiting). */
  parkedBy?: string;
  /** Sent back from a rate limit's list, counted in that window already: `<list>@<window>`. */
  rateMark?: string;
  /** When a worker without its handler first handed it back. */
  noHandlerSince?: number;
  deadReason?: DeadReason;
  skipReason?: string;
  /** The jobs waiting on this one: parent id, its queue, what this one's failure does to it. */
  parents?: [string, string, ChildFailurePolicy][];
  /** A parent in `waiting-children`: children not ended yet. */
  waitingChildren?: number;
  /** A batch's parent that may still get children: it waits until sealed. */
  open?: boolean;
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

/** A parent's children (id, queue, policy, name) and how each that ended did. */
export interface MemoryFlowRecord {
  children: { id: string; queue: string; policy: ChildFailurePolicy; name: string }[];
  outcomes: Map<string, { state: JobState; text: string }>;
}
