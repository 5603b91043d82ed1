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
  prefetch(): number {
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
