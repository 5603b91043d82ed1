import type { StoredJob } from '../stored-job.interface.js';

/** The states a queue lists its jobs by (`failed`: an attempt failed, its retry is due later). */
export type ListedState = 'waiting' | 'active' | 'delayed' | 'failed' | 'completed' | 'dead' | 'cancelled';

/**
 * One page of a queue's ids in one state. `next` is an offset cursor into the state's order:
 * waiting in claim order (highest priority first, FIFO within one), delayed and failed by due
 * time, finished ones newest first. Jobs that move meanwhile may shift a page by as many.
 */
export interface IdPage {
  ids: string[];
  next: string | null;
}

/**
 * Jobs a queue's workers completed, and attempts that failed, in one minute (`t`: epoch ms of its start).
 * @publicApi
 */
export interface ActivityPoint {
  t: number;
  completed: number;
  failed: number;
}

/** What a process counted since its last flush: per queue, per minute start. */
export type ActivityCounts = Map<string, Map<number, { completed: number; failed: number }>>;

/** A process of the cluster as it last published itself. */
export interface ProcessRecord {
  /** `host:pid:random`, the prefix of its workers' ids. */
  id: string;
  host: string;
  pid: number;
  startedAt: number;
  /** When it last published (its clock). */
  seenAt: number;
  workers: { id: string; queue: string; concurrency: number; active: number; lastTurnAt: number }[];
  /** Job names it has handlers for. */
  handlers: string[];
}

/**
 * One line of the dashboard's audit log: who (`actor`) did what (`action`) to which (`target`), when, and how it ended.
 * @publicApi
 */
export interface AuditEntry {
  at: number;
  actor: string;
  action: string;
  target: Record<string, unknown>;
  outcome: string;
}

/** Minutes of activity kept: 72 hours. */
export const ACTIVITY_KEPT_MINUTES = 72 * 60;

/**
 * What the dashboard reads that the other stores do not answer: pages of ids by state, the
 * activity history, the processes of the cluster, its audit log, and promoting a delayed job.
 * Reads need not be atomic; a page costs one range read, never a scan of a whole queue.
 */
export interface DashboardStore {
  page(queue: string, state: ListedState, cursor: string | null, limit: number): Promise<IdPage>;
  /** The jobs of `ids` that exist, in the order given. */
  read(queue: string, ids: string[]): Promise<StoredJob[]>;
  /** The ids each of these workers runs now. */
  running(queue: string, workerIds: string[]): Promise<Record<string, string[]>>;
  /** Whether the queue is paused. */
  paused(queue: string): Promise<boolean>;
  /** Jobs waiting per priority (parked and reserved ones aside). */
  priorities(queue: string): Promise<Record<string, number>>;
  /** A delayed or retrying job becomes waiting now, at the back of its priority; false if it was neither. One atomic step. */
  promote(queue: string, id: string): Promise<boolean>;
  /** Adds counts to the history (kept ACTIVITY_KEPT_MINUTES). */
  addActivity(counts: ActivityCounts): Promise<void>;
  /** Minutes `from` .. `to` (epoch ms of minute starts) that have counts, oldest first. */
  activity(queue: string, from: number, to: number): Promise<ActivityPoint[]>;
  /** Publishes this process; `ttlMs` after its last publication it is no longer listed. `null` removes it. */
  publishProcess(id: string, record: ProcessRecord | null, ttlMs: number): Promise<void>;
  processes(): Promise<ProcessRecord[]>;
  /** Appends to the audit log, keeping the newest `max`. */
  appendAudit(entry: AuditEntry, max: number): Promise<void>;
  /** Entries `from` .. `from + count - 1`, newest first. */
  audit(from: number, count: number): Promise<AuditEntry[]>;
}
