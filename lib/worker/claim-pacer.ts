// the process's own clock, not the global a test's fake timers replace: the worker's pacing and its
// trust in its lease are about real round trips (see docs/schedule-migration.md, fake timers)
import { performance } from 'node:perf_hooks';
/** The most jobs a worker holds beyond its concurrency, however short its jobs are. */
const MAX_PREFETCH = 256;
/** Weight of the newest sample in the moving averages of job duration and round trip. */
const SMOOTHING = 0.2;
/**
 * A reserved job starts only if the worker looked at the queue within this long (or within one
 * job's run time, if longer): a job of higher priority that came since is claimed first.
 */
const LOOK_MS = 5;

/**
 * How far ahead one worker claims, and when it must look at the queue again: moving averages
 * of how long its jobs run and how long a round trip takes, and what the last look showed.
 */
export class ClaimPacer {
  /** Moving averages in ms; no prefetching until a job has finished here. */
  private jobMs = Infinity;
  private roundTripMs = 0;
  /** The highest priority waiting at the last look (a claim's answer), and when that answer came. */
  private top: number | null = null;
  private lookedAt = -Infinity;

  constructor(private readonly concurrency: number) {}

  jobRan(ms: number): void {
    this.jobMs = Number.isFinite(this.jobMs) ? this.jobMs + (ms - this.jobMs) * SMOOTHING : ms;
  }

  /** A claim answered after `ms`, saying `top` is the highest priority still waiting. */
  looked(ms: number, top: number | null): void {
    this.roundTripMs += (ms - this.roundTripMs) * SMOOTHING;
    this.top = top;
    this.lookedAt = performance.now();
  }

  /** Jobs to reserve beyond the free slots: about as many as finish here during two round trips. */
  /**
   * What the next round trip claims, from what the worker has: `expected` jobs buffered or asked for
   * by claims under way, `running` handlers, `unsettled` finished jobs not yet settled; `pending`
   * when it has something to report or was asked to look, `urgent` when asked to look. Null when a
   * round trip is not worth it yet.
   */
  claimSize(now: { expected: number; running: number; unsettled: number; pending: boolean; urgent: boolean }): { max: number; reserve: number } | null {
    // buffered jobs, and those asked for by claims under way, take free slots first; what is
    // left is claimed to start, the rest reserved
    const slots = this.concurrency - now.running;
    const max = Math.max(0, slots - now.expected);
    const prefetch = this.prefetch();
    const reserve = Math.max(0, prefetch - Math.max(0, now.expected - slots));
    // with jobs on hand that finish within a round trip, wait until part of the reserve is used
    // up: claims stay large, and what finished meanwhile rides along with the next claim
    const busy = now.running + now.expected > 0;
    // but finished jobs are not held back for long: if the lease lapses (a blocked event loop)
    // the unsettled ones run again elsewhere, so at most a slot's worth of them waits
    const settleNow = now.unsettled >= this.concurrency || now.urgent;
    if (busy && !settleNow && max + reserve < Math.ceil(prefetch / 2)) return null;
    if (max + reserve === 0 && !now.pending) return null;
    return { max, reserve };
  }

  prefetch(): number {
    // none before a round trip was measured: a tick started at once (QueueWorker.runNow) may finish
    // here before the first claim came back, and 0 / 0 made the claim sizes NaN
    if (this.roundTripMs === 0) return 0;
    return Math.min(MAX_PREFETCH, Math.floor((2 * this.concurrency * this.roundTripMs) / this.jobMs));
  }

  /** The priority waiting above `priority` at the last look, if any; told once. */
  takeHigherThan(priority: number): number | null {
    if (this.top === null || this.top <= priority) return null;
    const top = this.top;
    this.top = null;
    return top;
  }

  /** Put back what `takeHigherThan` told, when it could not be acted on yet. */
  keep(top: number): void {
    this.top = top;
  }

  /** Whether the last look is too old to start a reserved job on. */
  stale(): boolean {
    return performance.now() - this.lookedAt > Math.max(LOOK_MS, this.jobMs);
  }
}
