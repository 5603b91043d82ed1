import type { BackgroundConfig } from '../../background.config.js';
import type { MemoryBreaker } from './memory-breaker.js';
import { JOB_STALLED } from '../../background.messages.js';
import type { DeadReason, QueueCounts } from '../../interfaces/job-info.interface.js';
import { NO_RETRY, type CancelOutcome, type Settlement } from '../storage-engine.interface.js';
import { recordError } from './memory-error.history.js';
import type { MemoryFlowRecord, MemoryJob } from './memory-job.interface.js';
import { MemoryWaitingLine } from './memory-waiting-line.js';

const NO_RETRY_REASONS: Record<number, DeadReason> = {
  [NO_RETRY.unrecoverable]: 'unrecoverable',
  [NO_RETRY.retryIf]: 'retryIf',
  [NO_RETRY.exhausted]: 'attempts exhausted',
};

/** How long a worker whose jobs were recovered can still learn of it. */
const LOST_KEPT_MS = 86_400_000;

/** The state of one queue in the memory engine, shaped like its Redis keys. */
export class MemoryQueue {
  constructor(private readonly config: BackgroundConfig) {}

  readonly jobs = new Map<string, MemoryJob>();
  /** The jobs ready to run, in the order they are claimed. */
  readonly line = new MemoryWaitingLine(this.jobs);
  /** Due times of delayed (and, separately, retrying) jobs. */
  readonly delayed = new Map<string, number>();
  readonly retry = new Map<string, number>();
  /** Lease expiry per worker holding jobs, and what each holds. */
  readonly leases = new Map<string, number>();
  readonly held = new Map<string, Set<string>>();
  readonly cancelledUnder = new Map<string, Set<string>>();
  /** Workers to tell of a cancel at once (`watchCancels`). */
  readonly cancelListeners = new Map<string, (id: string) => void>();
  /** Workers whose jobs were recovered, and when: kept until each asks, or for a day. */
  readonly lost = new Map<string, number>();
  /** Finished ids in finishing order, oldest first. */
  readonly completed: string[] = [];
  readonly dead: string[] = [];
  readonly cancelled: string[] = [];
  paused = false;
  readonly waiters = new Set<() => void>();
  /** Circuit breakers of this queue's handlers, by name. */
  readonly breakers = new Map<string, MemoryBreaker>();
  /** Jobs that may not start yet, in queue order, by list: 'bq:<breaker>', 'rq:<job name>' or 'rq' (see claim.lua). */
  readonly parked = new Map<string, string[]>();
  /** Jobs started in the current window of each rate limit ('' for the queue's own). */
  private readonly rateCounters = new Map<string, { window: number; count: number }>();
  /** Flows' parents of this queue: their children, and how each that ended did (see MemoryFlowStore). */
  readonly flows = new Map<string, MemoryFlowRecord>();
  waitingParents = 0;
  /** Set by the engine: a job others wait on ended, or left the dead-letter queue. */
  flowEnded?: (job: MemoryJob) => void;
  flowResumed?: (job: MemoryJob) => void;
  /** `waitFor` callers per job id, told when it reaches a final state. */
  readonly settleWatchers = new Map<string, Set<(job: MemoryJob) => void>>();

  /** Jobs in line, and those parked behind an open circuit breaker. */
  waitingCount(): number {
    let count = 0;
    for (const parked of this.parked.values()) count += parked.length;
    return count + this.line.size();
  }

  /** Jobs per state; a reserved job has not reached its handler: it is still waiting. */
  counts(): QueueCounts {
    let active = 0;
    let reserved = 0;
    for (const held of this.held.values()) {
      for (const id of held) {
        if (this.jobs.get(id)!.reserved) reserved++;
        else active++;
      }
    }
    return {
      waiting: this.waitingCount() + reserved,
      delayed: this.delayed.size,
      active,
      completed: this.completed.length,
      failed: this.retry.size,
      dead: this.dead.length,
      cancelled: this.cancelled.length,
      'waiting-children': this.waitingParents,
    };
  }

  /** The count of a rate limit (job name, or null for the queue's) in `window`, a fresh one for a new window. */
  rateCounter(jobName: string | null, window: number): { window: number; count: number } {
    const key = jobName ?? '';
    let counter = this.rateCounters.get(key);
    if (counter?.window !== window) {
      counter = { window, count: 0 };
      this.rateCounters.set(key, counter);
    }
    return counter;
  }

  /** Keeps the worker in the lease registry exactly while it holds jobs. */
  register(workerId: string, now: number, leaseMs: number): void {
    if (this.held.get(workerId)?.size) this.leases.set(workerId, now + leaseMs);
    else {
      this.leases.delete(workerId);
      this.held.delete(workerId);
    }
  }

  /** Tells the job's watchers it is final; called before retention may delete it. */
  settled(job: MemoryJob): void {
    const watchers = this.settleWatchers.get(job.id);
    if (!watchers) return;
    this.settleWatchers.delete(job.id);
    for (const watcher of watchers) watcher(job);
  }

  wake(): void {
    for (const waiter of [...this.waiters]) waiter();
  }

  /**
   * Records what a worker reports of one job it held (`held`: its ids); a job it no longer
   * holds was cancelled or recovered, and its outcome is void. True when the job completed.
   */
  settle(held: Set<string>, settlement: Settlement, now: number): boolean {
    if (!held.delete(settlement.id)) return false;
    const job = this.jobs.get(settlement.id)!;
    // a reserved job started and finished since the last call: its attempt counts now
    if (job.reserved) this.countStart(job, now);
    if (settlement.outcome === 'deferred') {
      // no handler in that worker: held back for another one, no attempt used, within the patience
      job.attempts -= 1;
      job.noHandlerSince ??= now;
      if (now - job.noHandlerSince >= this.config.noHandlerPatienceMs) {
        recordError(job, settlement.error);
        this.toDead(job, now, 'no handler');
      } else {
        job.state = 'delayed';
        job.runAt = now + settlement.retryInMs;
        this.delayed.set(job.id, job.runAt);
      }
    } else if (settlement.outcome === 'completed' || settlement.outcome === 'skipped') {
      job.state = settlement.outcome;
      job.finishedAt = now;
      if (settlement.outcome === 'completed') job.result = settlement.result;
      else job.skipReason = settlement.reason;
      this.completed.push(job.id);
      this.settled(job);
      if (job.parents) this.flowEnded?.(job);
      return true;
    } else {
      recordError(job, settlement.error);
      if (settlement.retryInMs >= 0 && job.attempts < job.maxAttempts) {
        job.state = 'failed';
        job.runAt = now + settlement.retryInMs;
        this.retry.set(job.id, job.runAt);
      } else {
        this.toDead(job, now, NO_RETRY_REASONS[settlement.retryInMs] ?? 'attempts exhausted');
      }
    }
    return false;
  }

  trimCompleted(now: number): void {
    this.trim(this.completed, this.config.defaults.keepCompleted.count, this.config.defaults.keepCompleted.ageMs, now);
  }

  /**
   * Hands the jobs of workers whose lease expired back to the queue (or to the dead letters once
   * they stalled too often). A reserved job may have reached its handler just before its worker
   * died: it goes back unharmed, but is only claimed to start from then on, and counts as a stall
   * if its next worker dies too.
   */
  reap(now: number, self: string): void {
    let recovered = 0;
    for (const [worker, expiry] of [...this.leases]) {
      if (worker === self || expiry > now) continue;
      for (const id of this.held.get(worker) ?? []) {
        const job = this.jobs.get(id)!;
        if (job.reserved) {
          job.reserved = false;
          job.suspected = (job.suspected ?? 0) + 1;
          this.line.push(job, true);
          recovered++;
          continue;
        }
        job.stalls += 1 + (job.suspected ?? 0);
        job.suspected = 0;
        job.attempts -= 1;
        if (job.stalls > this.config.maxStalls) {
          recordError(job, { attempt: job.attempts + 1, name: 'StalledError', message: JOB_STALLED(job.stalls), at: now, worker });
          this.toDead(job, now, 'stalled too often');
        } else {
          this.line.push(job, true);
          recovered++;
        }
      }
      this.held.delete(worker);
      this.cancelledUnder.delete(worker);
      this.leases.delete(worker);
      this.lost.set(worker, now);
    }
    for (const [worker, at] of this.lost) if (at < now - LOST_KEPT_MS) this.lost.delete(worker);
    if (recovered > 0) this.wake();
  }

  countStart(job: MemoryJob, now: number): void {
    job.reserved = false;
    job.attempts += 1;
    job.state = 'active';
    // a reserved job a rate limit counted started before its window ended, however late told of
    job.startedAt = job.rateDeadline === undefined ? now : Math.min(now, job.rateDeadline - 1);
    job.rateDeadline = undefined;
  }

  /** Back to the front of the queue; a started job gives its attempt back. */
  requeue(job: MemoryJob): void {
    if (job.reserved) job.reserved = false;
    else job.attempts -= 1;
    this.line.push(job, true);
  }

  /**
   * A user cancelled a job a worker holds: the worker is told at once, once this step is over, and
   * again at its next call, as with Redis. The lease is left as it is.
   */
  takeFromWorker(job: MemoryJob): void {
    const worker = job.worker!;
    const listener = this.cancelListeners.get(worker);
    if (listener) queueMicrotask(() => listener(job.id));
    const held = this.held.get(worker);
    held?.delete(job.id);
    job.reserved = false;
    const cancelled = this.cancelledUnder.get(worker) ?? new Set<string>();
    cancelled.add(job.id);
    this.cancelledUnder.set(worker, cancelled);
    if (held?.size === 0) this.leases.delete(worker);
  }

  /** A user's cancel: the job leaves whatever list it was in, and a worker holding it is told. */
  cancel(id: string, now: number): CancelOutcome {
    const job = this.jobs.get(id);
    if (!job) return 'not-found';
    switch (job.state) {
      case 'waiting':
        if (job.parkedBy) {
          const parked = this.parked.get(job.parkedBy)!;
          parked.splice(parked.indexOf(id), 1);
          break;
        }
        if (job.reserved) {
          this.takeFromWorker(job);
          break;
        }
        this.line.remove(job);
        break;
      case 'delayed':
        this.delayed.delete(id);
        break;
      case 'failed':
        this.retry.delete(id);
        break;
      case 'active':
        this.takeFromWorker(job);
        break;
      case 'waiting-children':
        this.waitingParents--;
        break;
      default:
        return 'finished';
    }
    job.state = 'cancelled';
    job.finishedAt = now;
    this.cancelled.push(id);
    this.settled(job);
    if (job.parents) this.flowEnded?.(job);
    this.trim(this.cancelled, this.config.defaults.keepCompleted.count, this.config.defaults.keepCompleted.ageMs, now);
    return 'cancelled';
  }

  toDead(job: MemoryJob, now: number, reason: DeadReason): void {
    job.state = 'dead';
    job.deadReason = reason;
    job.finishedAt = now;
    this.dead.push(job.id);
    this.settled(job);
    if (job.parents) this.flowEnded?.(job);
    this.trim(this.dead, this.config.deadLetter.maxSize, this.config.deadLetter.maxAgeMs, now);
  }

  trim(ids: string[], count: number, ageMs: number, now: number): void {
    let drop = Math.max(0, ids.length - count);
    while (drop < ids.length && this.jobs.get(ids[drop]!)!.finishedAt! < now - ageMs) drop++;
    for (const id of ids.splice(0, drop)) {
      this.jobs.delete(id);
      this.flows.delete(id);
    }
  }

  takeCancelled(workerId: string): string[] {
    const ids = this.cancelledUnder.get(workerId);
    this.cancelledUnder.delete(workerId);
    return ids ? [...ids] : [];
  }
}
