// the process's own clock, not the global a test's fake timers replace: the worker's pacing and its
// trust in its lease are about real round trips (see docs/schedule-migration.md, fake timers)
import { performance } from 'node:perf_hooks';
import type { ClaimedJob, Settlement } from '../engine/storage-engine.interface.js';

/** Share of the lease after its last confirmation within which a worker still starts jobs without asking. */
const LEASE_TRUST = 0.75;

/** What one round trip reports to storage. */
export interface Report {
  started: string[];
  settlements: Settlement[];
}

/**
 * What one worker holds in storage besides the jobs running: claimed jobs not started yet (the
 * reserve, highest priority first), reserved jobs started since the last round trip, finished
 * jobs not settled yet, and how long its lease can be trusted.
 *
 * The lease is trusted for a while after a round trip that proved storage still lists
 * everything the worker holds. Past that (the event loop was blocked, storage was slow) the
 * jobs may already belong to another worker, so nothing more is started until a round trip
 * has said which are still this worker's.
 */
export class WorkerLedger {
  /** Claimed jobs not started yet: highest priority first, claim order within one. */
  private readonly buffer: ClaimedJob[] = [];
  private readonly ids = new Set<string>();
  /** Buffered jobs claimed as reserved: storage counts their attempt once told they started. */
  private readonly reserved = new Set<string>();
  private started: string[] = [];
  private settlements: Settlement[] = [];
  /**
   * Jobs a notice said a user cancelled, forgotten here already, that storage still lists as this
   * worker's until its next call takes them off (`cancelled`, `gone`): held, as far as counts go.
   */
  private readonly cancelled = new Set<string>();
  /** `performance.now()` when the last round trip that proved the lease was sent. */
  private confirmedAt = -Infinity;

  constructor(private readonly leaseMs: number) {}

  get buffered(): readonly ClaimedJob[] {
    return this.buffer;
  }

  get unsettled(): number {
    return this.settlements.length;
  }

  get unreported(): boolean {
    return this.settlements.length > 0 || this.started.length > 0;
  }

  /**
   * Takes in claimed jobs; those after the first `startNow` are reserved. A job this worker held
   * already came back because storage had given it to others meanwhile (a lapsed lease): the new
   * claim replaces the old one, and one that still runs here is left to that run to settle.
   */
  add(jobs: ClaimedJob[], startNow: number, running: (id: string) => boolean): void {
    jobs.forEach((job, index) => {
      if (running(job.id)) return;
      if (this.ids.has(job.id)) this.forget(job.id);
      if (index >= startNow) this.reserved.add(job.id);
      // claims come highest priority first, so a job goes after every job of its priority or higher
      let at = this.buffer.length;
      while (at > 0 && this.buffer[at - 1]!.priority < job.priority) at--;
      this.buffer.splice(at, 0, job);
      this.ids.add(job.id);
    });
  }

  /** The first buffered job `canStart` accepts, left in the buffer. */
  peek(canStart: (job: ClaimedJob) => boolean): ClaimedJob | undefined {
    return this.buffer.find(canStart);
  }

  isReserved(id: string): boolean {
    return this.reserved.has(id);
  }

  /** Removes a buffered job to start it, noting the start of a reserved one. */
  take(job: ClaimedJob): void {
    this.buffer.splice(this.buffer.indexOf(job), 1);
    this.ids.delete(job.id);
    if (this.reserved.delete(job.id)) this.started.push(job.id);
  }

  settle(settlement: Settlement): void {
    this.settlements.push(settlement);
  }

  /** What the next round trip reports; a settlement implies the start of its job. */
  takeReport(): Report {
    const settlements = this.settlements.splice(0);
    let started = this.started.splice(0);
    if (started.length > 0 && settlements.length > 0) {
      const startedNow = new Set(started);
      const settled = new Set<string>();
      // the ledger's own records, marked in place: a copy each cost a job an object more
      for (const settlement of settlements) {
        settled.add(settlement.id);
        if (startedNow.has(settlement.id)) settlement.reserved = true;
      }
      started = started.filter((id) => !settled.has(id));
    }
    return { started, settlements };
  }

  /** Puts back a report whose round trip failed; sending it again is harmless. */
  restore(report: Report): void {
    this.settlements.unshift(...report.settlements);
    this.started.unshift(...report.started);
  }

  /** Whether the job is buffered, or finished and not settled yet. */
  holds(id: string): boolean {
    return this.ids.has(id) || this.settlements.some((settlement) => settlement.id === id);
  }

  /** Forgets a job storage no longer lists as this worker's: buffered, or finished and not settled yet. */
  forget(id: string): void {
    if (this.ids.delete(id)) this.buffer.splice(this.buffer.findIndex((job) => job.id === id), 1);
    this.reserved.delete(id);
    this.settlements = this.settlements.filter((settlement) => settlement.id !== id);
    this.cancelled.delete(id);
  }

  /** Forgets a job a notice said was cancelled, counting it as held until storage says so itself. */
  forgetCancelled(id: string): void {
    this.forget(id);
    this.cancelled.add(id);
  }

  /** Empties the buffer (shutdown), returning the ids it held. */
  clearBuffer(): string[] {
    const ids = this.buffer.map((job) => job.id);
    this.buffer.length = 0;
    this.ids.clear();
    this.reserved.clear();
    return ids;
  }

  /** A round trip sent at `sentAt` proved that storage still listed everything this worker held. */
  confirm(sentAt: number): void {
    this.confirmedAt = Math.max(this.confirmedAt, sentAt);
  }

  /** Whether the lease is known to hold: jobs may start without asking storage first. */
  trusted(): boolean {
    return performance.now() - this.confirmedAt < this.leaseMs * LEASE_TRUST;
  }

  /** How many jobs storage should list as this worker's, given what runs. */
  heldCount(running: number): number {
    return running + this.buffer.length + this.settlements.length + this.cancelled.size;
  }

  /** Every id storage should list as this worker's, given what runs. */
  heldIds(running: string[]): string[] {
    const settled = this.settlements.map((settlement) => settlement.id);
    return [...running, ...this.buffer.map((job) => job.id), ...settled, ...this.cancelled];
  }
}
