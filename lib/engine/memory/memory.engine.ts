import type { BackgroundConfig } from '../../background.config.js';
import { JOB_STALLED } from '../../background.messages.js';
import type { QueueCounts } from '../../interfaces/job-info.interface.js';
import type {
  CancelOutcome,
  ClaimRequest,
  ClaimResponse,
  HeartbeatResponse,
  NewJob,
  StorageEngine,
  StoredJob,
} from '../storage-engine.interface.js';
import { MemoryQueue, type MemoryJob } from './memory-queue.js';

/**
 * Jobs in this process's memory: the Redis engine's semantics (leases, stalls, retries,
 * retention, priorities) in synchronous steps, without durability. For tests and for
 * running without Redis.
 */
export class MemoryEngine implements StorageEngine {
  private readonly queues = new Map<string, MemoryQueue>();
  private readonly handlers = new Map<string, string>();
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(private readonly config: BackgroundConfig) {}

  async connect(): Promise<void> {}

  async enqueue(jobs: NewJob[]): Promise<{ id: string; created: boolean }[]> {
    const now = Date.now();
    return jobs.map((job) => {
      const queue = this.queue(job.queue);
      if (queue.jobs.has(job.id)) return { id: job.id, created: false };
      const stored: MemoryJob = {
        id: job.id,
        name: job.name,
        data: job.data,
        priority: job.priority,
        maxAttempts: job.maxAttempts,
        attempts: 0,
        timeoutMs: job.timeoutMs,
        enqueuedAt: now,
        state: 'waiting',
        errors: [],
        logs: [],
        stalls: 0,
      };
      queue.jobs.set(job.id, stored);
      if (job.runAt > now) {
        stored.state = 'delayed';
        stored.runAt = job.runAt;
        queue.delayed.set(job.id, job.runAt);
      } else {
        queue.pushWaiting(stored, false);
      }
      queue.wake();
      return { id: job.id, created: true };
    });
  }

  async claim(request: ClaimRequest): Promise<ClaimResponse> {
    const queue = this.queue(request.queue);
    const now = Date.now();
    const held = queue.held.get(request.workerId) ?? new Set<string>();
    queue.held.set(request.workerId, held);
    for (const id of request.started) {
      const job = queue.jobs.get(id)!;
      if (!held.has(id) || !job.reserved) continue;
      job.reserved = false;
      job.attempts += 1;
      job.startedAt = now;
    }
    let completed = false;
    for (const settlement of request.settlements) {
      if (!held.delete(settlement.id)) continue;
      const job = queue.jobs.get(settlement.id)!;
      if (job.reserved) {
        // started and finished since the last call: its attempt counts now
        job.reserved = false;
        job.attempts += 1;
        job.startedAt = now;
      }
      if (settlement.outcome === 'completed') {
        job.state = 'completed';
        job.finishedAt = now;
        job.result = settlement.result;
        queue.completed.push(job.id);
        completed = true;
      } else {
        job.errors.push(settlement.error);
        if (settlement.retryAt >= 0 && job.attempts < job.maxAttempts) {
          job.state = 'failed';
          job.runAt = settlement.retryAt;
          queue.retry.set(job.id, settlement.retryAt);
        } else {
          this.toDead(queue, job, now);
        }
      }
    }
    if (completed) this.trim(queue, queue.completed, this.config.defaults.keepCompleted.count, this.config.defaults.keepCompleted.ageMs, now);
    this.reap(queue, now, request.workerId);
    for (const due of [queue.delayed, queue.retry]) {
      for (const [id, at] of [...due].sort((a, b) => a[1] - b[1])) {
        if (at > now) break;
        due.delete(id);
        queue.pushWaiting(queue.jobs.get(id)!, false);
      }
    }
    const jobs = [];
    if (request.max + request.reserve > 0 && !queue.paused) {
      for (const id of queue.popWaiting(request.max + request.reserve)) {
        const job = queue.jobs.get(id)!;
        job.reserved = jobs.length >= request.max;
        if (!job.reserved) {
          job.attempts += 1;
          job.startedAt = now;
        }
        job.state = 'active';
        job.worker = request.workerId;
        held.add(id);
        jobs.push({
          id,
          name: job.name,
          data: job.data,
          attempt: job.reserved ? job.attempts + 1 : job.attempts,
          maxAttempts: job.maxAttempts,
          timeoutMs: job.timeoutMs,
          enqueuedAt: job.enqueuedAt,
        });
      }
    }
    queue.register(request.workerId, now, this.config.leaseMs);
    let nextWakeAt: number | null = null;
    const consider = (at: number) => {
      if (nextWakeAt === null || at < nextWakeAt) nextWakeAt = at;
    };
    for (const at of queue.delayed.values()) consider(at);
    for (const at of queue.retry.values()) consider(at);
    for (const [worker, at] of queue.leases) if (worker !== request.workerId) consider(at);
    const lost = queue.lost.delete(request.workerId);
    return { jobs, nextWakeAt, cancelled: this.takeCancelled(queue, request.workerId), lost };
  }

  waitForWork(queue: string, until: number): Promise<void> {
    const target = this.queue(queue);
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.timers.delete(timer);
        target.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, until - Date.now()));
      this.timers.add(timer);
      target.waiters.add(done);
    });
  }

  interruptWaits(): void {
    for (const queue of this.queues.values()) queue.wake();
  }

  async heartbeat(queueName: string, workerId: string): Promise<HeartbeatResponse> {
    const queue = this.queue(queueName);
    const now = Date.now();
    queue.register(workerId, now, this.config.leaseMs);
    this.reap(queue, now, workerId);
    const lost = queue.lost.delete(workerId);
    return { lost, cancelled: this.takeCancelled(queue, workerId) };
  }

  async release(queueName: string, workerId: string, ids: string[]): Promise<void> {
    const queue = this.queue(queueName);
    const held = queue.held.get(workerId);
    let released = 0;
    for (const id of [...ids].reverse()) {
      if (!held?.delete(id)) continue;
      const job = queue.jobs.get(id)!;
      // a reserved job never counted its attempt
      if (job.reserved) job.reserved = false;
      else job.attempts -= 1;
      queue.pushWaiting(job, true);
      released++;
    }
    queue.register(workerId, Date.now(), this.config.leaseMs);
    if (released > 0) queue.wake();
  }

  async annotate(queueName: string, workerId: string, id: string, note: { progress?: string; log?: string }): Promise<void> {
    const job = this.queue(queueName).jobs.get(id);
    if (job?.state !== 'active' || job.worker !== workerId) return;
    if (note.progress !== undefined) job.progress = note.progress;
    if (note.log !== undefined) {
      job.logs.push(note.log);
      if (job.logs.length > 100) job.logs.shift();
    }
  }

  async getJob(queueName: string, id: string): Promise<StoredJob | null> {
    const job = this.queues.get(queueName)?.jobs.get(id);
    if (!job) return null;
    return {
      id: job.id,
      name: job.name,
      queue: queueName,
      state: job.state,
      data: job.data,
      priority: job.priority,
      attempts: job.attempts,
      maxAttempts: job.maxAttempts,
      result: job.result,
      errors: [...job.errors],
      progress: job.progress,
      logs: [...job.logs],
      stalls: job.stalls,
      enqueuedAt: job.enqueuedAt,
      runAt: job.runAt,
      startedAt: job.startedAt,
      finishedAt: job.finishedAt,
    };
  }

  async cancel(queueName: string, id: string): Promise<CancelOutcome> {
    const queue = this.queue(queueName);
    const job = queue.jobs.get(id);
    if (!job) return 'not-found';
    const now = Date.now();
    switch (job.state) {
      case 'waiting':
        queue.removeWaiting(job);
        break;
      case 'delayed':
        queue.delayed.delete(id);
        break;
      case 'failed':
        queue.retry.delete(id);
        break;
      case 'active': {
        const worker = job.worker!;
        queue.held.get(worker)?.delete(id);
        job.reserved = false;
        const cancelled = queue.cancelledUnder.get(worker) ?? new Set<string>();
        cancelled.add(id);
        queue.cancelledUnder.set(worker, cancelled);
        queue.register(worker, now, this.config.leaseMs);
        break;
      }
      default:
        return 'finished';
    }
    job.state = 'cancelled';
    job.finishedAt = now;
    queue.cancelled.push(id);
    this.trim(queue, queue.cancelled, this.config.defaults.keepCompleted.count, this.config.defaults.keepCompleted.ageMs, now);
    return 'cancelled';
  }

  async setPaused(queueName: string, paused: boolean): Promise<void> {
    const queue = this.queue(queueName);
    queue.paused = paused;
    if (!paused) queue.wake();
  }

  async counts(queueName: string): Promise<QueueCounts> {
    const queue = this.queue(queueName);
    let active = 0;
    for (const held of queue.held.values()) active += held.size;
    return {
      waiting: queue.waitingCount(),
      delayed: queue.delayed.size,
      active,
      completed: queue.completed.length,
      failed: queue.retry.size,
      dead: queue.dead.length,
      cancelled: queue.cancelled.length,
    };
  }

  async registerHandlers(routes: Map<string, string>): Promise<void> {
    for (const [name, queue] of routes) this.handlers.set(name, queue);
  }

  async findHandlerQueue(name: string): Promise<string | null> {
    return this.handlers.get(name) ?? null;
  }

  async knownQueues(): Promise<string[]> {
    return [...new Set([...Object.keys(this.config.queues), ...this.handlers.values(), ...this.queues.keys()])];
  }

  async close(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.interruptWaits();
  }

  private queue(name: string): MemoryQueue {
    let queue = this.queues.get(name);
    if (!queue) {
      queue = new MemoryQueue();
      this.queues.set(name, queue);
    }
    return queue;
  }

  private reap(queue: MemoryQueue, now: number, self: string): void {
    let recovered = 0;
    for (const [worker, expiry] of [...queue.leases]) {
      if (worker === self || expiry > now) continue;
      for (const id of queue.held.get(worker) ?? []) {
        const job = queue.jobs.get(id)!;
        if (job.reserved) {
          // reserved, never started: back to the front as if never claimed
          job.reserved = false;
          queue.pushWaiting(job, true);
          recovered++;
          continue;
        }
        job.stalls += 1;
        job.attempts -= 1;
        if (job.stalls > this.config.maxStalls) {
          job.errors.push({ attempt: job.attempts + 1, name: 'StalledError', message: JOB_STALLED(job.stalls), at: now });
          this.toDead(queue, job, now);
        } else {
          queue.pushWaiting(job, true);
          recovered++;
        }
      }
      queue.held.delete(worker);
      queue.cancelledUnder.delete(worker);
      queue.leases.delete(worker);
      queue.lost.add(worker);
    }
    if (recovered > 0) queue.wake();
  }

  private toDead(queue: MemoryQueue, job: MemoryJob, now: number): void {
    job.state = 'dead';
    job.finishedAt = now;
    queue.dead.push(job.id);
    this.trim(queue, queue.dead, this.config.deadLetter.maxSize, this.config.deadLetter.maxAgeMs, now);
  }

  private trim(queue: MemoryQueue, ids: string[], count: number, ageMs: number, now: number): void {
    let drop = Math.max(0, ids.length - count);
    while (drop < ids.length && queue.jobs.get(ids[drop]!)!.finishedAt! < now - ageMs) drop++;
    for (const id of ids.splice(0, drop)) queue.jobs.delete(id);
  }

  private takeCancelled(queue: MemoryQueue, workerId: string): string[] {
    const ids = queue.cancelledUnder.get(workerId);
    queue.cancelledUnder.delete(workerId);
    return ids ? [...ids] : [];
  }
}
