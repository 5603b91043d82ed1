import { nowMs } from '../clock.js';
import type { NoopData } from '../systems/system.js';

/**
 * Counts handler starts of jobs `{ i }` with i in [0, expected); `done` resolves once every
 * one of them has started. A job started twice is counted once and reported in `duplicates`.
 */
export interface JobCounter {
  onJob(data: NoopData): void;
  readonly count: number;
  readonly duplicates: number;
  /** Wall-clock time of the first and of the latest handler start (NaN before any). */
  readonly firstAt: number;
  readonly lastAt: number;
  done: Promise<void>;
}

export function countJobs(expected: number): JobCounter {
  const seen = new Uint8Array(expected);
  let resolveDone!: () => void;
  const counter = {
    count: 0,
    duplicates: 0,
    firstAt: NaN,
    lastAt: NaN,
    done: new Promise<void>((resolve) => (resolveDone = resolve)),
    onJob(data: NoopData) {
      const now = nowMs();
      if (seen[data.i]) {
        counter.duplicates++;
        return;
      }
      seen[data.i] = 1;
      if (counter.count === 0) counter.firstAt = now;
      counter.lastAt = now;
      if (++counter.count === expected) resolveDone();
    },
  };
  return counter;
}
