import type { MemoryJob } from './memory-job.interface.js';

/** Jobs a claim looks at beyond those it asks for (skipped, parked) before it stops, as claim.lua's. */
const MAX_SCAN = 500;

/** A memory queue's waiting jobs, by priority (highest first) and FIFO within one, as the Redis engine's waiting list and zset. */
export class MemoryWaitingLine {
  /** Waiting ids per priority, FIFO. */
  private readonly byPriority = new Map<number, string[]>();

  constructor(private readonly jobs: ReadonlyMap<string, MemoryJob>) {}

  push(job: MemoryJob, front: boolean): void {
    job.state = 'waiting';
    const list = this.byPriority.get(job.priority) ?? [];
    if (front) list.unshift(job.id);
    else list.push(job.id);
    this.byPriority.set(job.priority, list);
  }

  /**
   * Up to `max` waiting jobs, highest priority first, FIFO within one. `take` decides for each
   * in turn (at most `max` + MAX_SCAN): claim it, skip it (it stays first in line), park it, or stop.
   */
  pop(max: number, take: (job: MemoryJob) => 'take' | 'skip' | 'park' | 'stop'): MemoryJob[] {
    const taken: MemoryJob[] = [];
    let scanned = 0;
    for (const priority of [...this.byPriority.keys()].sort((a, b) => b - a)) {
      const list = this.byPriority.get(priority)!;
      for (let i = 0; i < list.length && taken.length < max && scanned++ < max + MAX_SCAN; ) {
        const job = this.jobs.get(list[i]!)!;
        const verdict = take(job);
        if (verdict === 'stop') return this.dropEmpty(priority, taken);
        if (verdict === 'skip') {
          i++;
          continue;
        }
        list.splice(i, 1);
        if (verdict === 'take') taken.push(job);
      }
      this.dropEmpty(priority, taken);
      if (taken.length === max) break;
    }
    return taken;
  }

  private dropEmpty(priority: number, taken: MemoryJob[]): MemoryJob[] {
    if (this.byPriority.get(priority)?.length === 0) this.byPriority.delete(priority);
    return taken;
  }

  remove(job: MemoryJob): void {
    const list = this.byPriority.get(job.priority);
    if (!list) return;
    const index = list.indexOf(job.id);
    if (index >= 0) list.splice(index, 1);
    if (list.length === 0) this.byPriority.delete(job.priority);
  }

  /** The first waiting job: of the highest priority, the oldest. */
  head(): MemoryJob | undefined {
    let top: number | undefined;
    for (const priority of this.byPriority.keys()) if (top === undefined || priority > top) top = priority;
    return top === undefined ? undefined : this.jobs.get(this.byPriority.get(top)![0]!);
  }

  /** How long the oldest job ready to run has waited (since enqueued, or due); null if none is. */
  oldestWaitingMs(now: number): number | null {
    let oldest: number | null = null;
    for (const ids of this.byPriority.values()) {
      const head = ids[0] === undefined ? undefined : this.jobs.get(ids[0]);
      if (head) oldest = Math.max(oldest ?? 0, now - Math.max(head.enqueuedAt, head.runAt ?? 0));
    }
    return oldest;
  }

  /** Ids `from` .. `from + count - 1` in claim order (the dashboard's pages). */
  slice(from: number, count: number): string[] {
    const ids: string[] = [];
    let skip = from;
    for (const priority of [...this.byPriority.keys()].sort((a, b) => b - a)) {
      const list = this.byPriority.get(priority)!;
      if (skip >= list.length) {
        skip -= list.length;
        continue;
      }
      ids.push(...list.slice(skip, skip + count - ids.length));
      skip = 0;
      if (ids.length === count) break;
    }
    return ids;
  }

  /** Jobs in line per priority. */
  sizes(): Record<string, number> {
    return Object.fromEntries([...this.byPriority].map(([priority, list]) => [String(priority), list.length]));
  }

  /** Jobs in line. */
  size(): number {
    let count = 0;
    for (const list of this.byPriority.values()) count += list.length;
    return count;
  }
}
