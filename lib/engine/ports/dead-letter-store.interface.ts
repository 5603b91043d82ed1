import type { StoredJob } from '../stored-job.interface.js';

/** A dead job's place in the dead-letter queue: its id and when it died (storage's clock). */
export interface DeadEntry {
  id: string;
  at: number;
}

/**
 * The dead-letter queue of each queue, as an engine keeps it. Reads need not be atomic; each
 * change (redrive, purge) is one atomic step that leaves alone a job that is no longer dead.
 */
export interface DeadLetterStore {
  /** Dead jobs `from` .. `from + count - 1`, newest first; of one job name when `name` is given. */
  page(queue: string, name: string | undefined, from: number, count: number): Promise<DeadEntry[]>;
  count(queue: string, name: string | undefined): Promise<number>;
  /** The jobs of `ids` that are still dead, in the order given. */
  read(queue: string, ids: string[]): Promise<StoredJob[]>;
  /** Back to waiting with fresh attempts, history kept; returns the ids that were still dead. */
  redrive(queue: string, ids: string[]): Promise<string[]>;
  /** Deletes those still dead; returns how many. */
  purge(queue: string, ids: string[]): Promise<number>;
}
