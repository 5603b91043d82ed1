import {
  type ActivityCounts,
  type ActivityPoint,
  type AuditEntry,
  type DashboardStore,
  type IdPage,
  type ListedState,
  type ProcessRecord,
} from '../ports/dashboard-store.interface.js';
import { ACTIVITY_KEPT_MINUTES } from '../ports/dashboard-store.interface.js';
import type { StoredJob } from '../stored-job.interface.js';
import { toStoredJob } from './memory-job.mapper.js';
import type { MemoryQueue } from './memory-queue.js';

const MINUTE_MS = 60_000;

/** The dashboard's reads of the memory engine, with its history, processes and audit log kept in this process. */
export class MemoryDashboardStore implements DashboardStore {
  /** Per queue, per minute start. */
  private readonly history = new Map<string, Map<number, ActivityPoint>>();
  private readonly records = new Map<string, { record: ProcessRecord; until: number }>();
  /** Newest last. */
  private readonly log: AuditEntry[] = [];

  constructor(private readonly queues: ReadonlyMap<string, MemoryQueue>) {}

  async page(queue: string, state: ListedState, cursor: string | null, limit: number): Promise<IdPage> {
    const from = Math.max(0, Number.parseInt(cursor ?? '0', 10) || 0);
    const store = this.queues.get(queue);
    let ids: string[] = [];
    if (store) {
      if (state === 'waiting') ids = store.line.slice(from, limit);
      else if (state === 'active') ids = this.active(store).slice(from, from + limit);
      else if (state === 'delayed' || state === 'failed') {
        const due = state === 'delayed' ? store.delayed : store.retry;
        ids = [...due].sort((a, b) => a[1] - b[1]).slice(from, from + limit).map(([id]) => id);
      } else {
        const finished = store[state];
        ids = finished.slice(Math.max(0, finished.length - from - limit), finished.length - from).reverse();
      }
    }
    return { ids, next: ids.length < limit ? null : String(from + ids.length) };
  }

  private active(store: MemoryQueue): string[] {
    const ids: string[] = [];
    for (const held of store.held.values()) for (const id of held) if (!store.jobs.get(id)!.reserved) ids.push(id);
    return ids.sort();
  }

  async read(queue: string, ids: string[]): Promise<StoredJob[]> {
    const store = this.queues.get(queue);
    if (!store) return [];
    return ids.flatMap((id) => {
      const job = store.jobs.get(id);
      return job ? [toStoredJob(queue, job)] : [];
    });
  }

  async running(queue: string, workerIds: string[]): Promise<Record<string, string[]>> {
    const store = this.queues.get(queue);
    const running = (worker: string) => [...(store?.held.get(worker) ?? [])].filter((id) => !store!.jobs.get(id)!.reserved).sort();
    return Object.fromEntries(workerIds.map((worker) => [worker, running(worker)]));
  }

  async paused(queue: string): Promise<boolean> {
    return this.queues.get(queue)?.paused ?? false;
  }

  async priorities(queue: string): Promise<Record<string, number>> {
    return this.queues.get(queue)?.line.sizes() ?? {};
  }

  async promote(queue: string, id: string): Promise<boolean> {
    const store = this.queues.get(queue);
    const job = store?.jobs.get(id);
    if (!store || !job || !(store.delayed.delete(id) || store.retry.delete(id))) return false;
    job.runAt = Date.now();
    store.line.push(job, false);
    store.wake();
    return true;
  }

  async addActivity(counts: ActivityCounts): Promise<void> {
    const oldest = Date.now() - ACTIVITY_KEPT_MINUTES * MINUTE_MS;
    for (const [queue, minutes] of counts) {
      const history = this.history.get(queue) ?? new Map<number, ActivityPoint>();
      this.history.set(queue, history);
      for (const [t, { completed, failed }] of minutes) {
        const point = history.get(t) ?? { t, completed: 0, failed: 0 };
        point.completed += completed;
        point.failed += failed;
        history.set(t, point);
      }
      for (const t of history.keys()) if (t < oldest) history.delete(t);
    }
  }

  async activity(queue: string, from: number, to: number): Promise<ActivityPoint[]> {
    const points = [...(this.history.get(queue)?.values() ?? [])].filter((point) => point.t >= from && point.t <= to);
    return points.map((point) => ({ ...point })).sort((a, b) => a.t - b.t);
  }

  async publishProcess(id: string, record: ProcessRecord | null, ttlMs: number): Promise<void> {
    if (record === null) this.records.delete(id);
    else this.records.set(id, { record, until: record.seenAt + ttlMs });
  }

  async processes(): Promise<ProcessRecord[]> {
    const now = Date.now();
    for (const [id, { until }] of this.records) if (until < now) this.records.delete(id);
    return [...this.records.values()].map(({ record }) => record).sort((a, b) => a.id.localeCompare(b.id));
  }

  async appendAudit(entry: AuditEntry, max: number): Promise<void> {
    this.log.push(entry);
    if (this.log.length > max) this.log.splice(0, this.log.length - max);
  }

  async audit(from: number, count: number): Promise<AuditEntry[]> {
    const end = this.log.length - from;
    return this.log.slice(Math.max(0, end - count), Math.max(0, end)).reverse();
  }
}
