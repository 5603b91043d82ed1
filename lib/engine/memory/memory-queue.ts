import type { JobErrorRecord, JobState } from '../../interfaces/job-info.interface.js';

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
  state: JobState;
  runAt?: number;
  startedAt?: number;
  finishedAt?: number;
  worker?: string;
  /** Claimed by `worker` but not started yet: shown as waiting, neither an attempt nor a stall so far. */
  reserved?: boolean;
  /** Times a worker died while it held the job reserved: such a job is only claimed to start. */
  suspected?: number;
  /** When a worker without its handler first handed it back. */
  noHandlerSince?: number;
  result?: string;
  errors: JobErrorRecord[];
  progress?: string;
  logs: string[];
  stalls: number;
}

/** The state of one queue in the memory engine, shaped like its Redis keys. */
export class MemoryQueue {
  readonly jobs = new Map<string, MemoryJob>();
  /** Waiting ids per priority, FIFO. */
  readonly waiting = new Map<number, string[]>();
  /** Due times of delayed (and, separately, retrying) jobs. */
  readonly delayed = new Map<string, number>();
  readonly retry = new Map<string, number>();
  /** Lease expiry per worker holding jobs, and what each holds. */
  readonly leases = new Map<string, number>();
  readonly held = new Map<string, Set<string>>();
  readonly cancelledUnder = new Map<string, Set<string>>();
  /** Workers whose jobs were recovered, and when: kept until each asks, or for a day. */
  readonly lost = new Map<string, number>();
  /** Finished ids in finishing order, oldest first. */
  readonly completed: string[] = [];
  readonly dead: string[] = [];
  readonly cancelled: string[] = [];
  paused = false;
  readonly waiters = new Set<() => void>();
  /** `waitFor` callers per job id, told when it reaches a final state. */
  readonly settleWatchers = new Map<string, Set<(job: MemoryJob) => void>>();

  pushWaiting(job: MemoryJob, front: boolean): void {
    job.state = 'waiting';
    const list = this.waiting.get(job.priority) ?? [];
    if (front) list.unshift(job.id);
    else list.push(job.id);
    this.waiting.set(job.priority, list);
  }

  /**
   * Up to `max` waiting jobs, highest priority first, FIFO within one. `take` decides for each
   * in turn: claim it, skip it (it stays first in line), or stop there.
   */
  popWaiting(max: number, take: (job: MemoryJob) => 'take' | 'skip' | 'stop'): MemoryJob[] {
    const taken: MemoryJob[] = [];
    for (const priority of [...this.waiting.keys()].sort((a, b) => b - a)) {
      const list = this.waiting.get(priority)!;
      for (let i = 0; i < list.length && taken.length < max; ) {
        const job = this.jobs.get(list[i]!)!;
        const verdict = take(job);
        if (verdict === 'stop') return this.dropEmpty(priority, taken);
        if (verdict === 'skip') {
          i++;
          continue;
        }
        list.splice(i, 1);
        taken.push(job);
      }
      this.dropEmpty(priority, taken);
      if (taken.length === max) break;
    }
    return taken;
  }

  private dropEmpty(priority: number, taken: MemoryJob[]): MemoryJob[] {
    if (this.waiting.get(priority)?.length === 0) this.waiting.delete(priority);
    return taken;
  }

  removeWaiting(job: MemoryJob): void {
    const list = this.waiting.get(job.priority);
    if (!list) return;
    const index = list.indexOf(job.id);
    if (index >= 0) list.splice(index, 1);
    if (list.length === 0) this.waiting.delete(job.priority);
  }

  /** The highest priority with waiting jobs, or null. */
  topPriority(): number | null {
    let top: number | null = null;
    for (const priority of this.waiting.keys()) if (top === null || priority > top) top = priority;
    return top;
  }

  waitingCount(): number {
    let count = 0;
    for (const list of this.waiting.values()) count += list.length;
    return count;
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
}
