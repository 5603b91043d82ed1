import type { BackgroundConfig } from '../../background.config.js';
import type { QueueCounts } from '../../interfaces/job-info.interface.js';
import type {
  CancelOutcome,
  CancelWatch,
  ClaimedJob,
  ClaimRequest,
  ClaimResponse,
  GoneJob,
  HeartbeatResponse,
  NewJob,
  QueueSnapshot,
  StorageEngine,
} from '../storage-engine.interface.js';
import type { StoredJob } from '../stored-job.interface.js';
import { MemoryBreakerStore } from './memory-breaker.store.js';
import { MemoryScheduleStore } from './memory-schedule.store.js';
import { MemoryDeadLetterStore } from './memory-dead-letter.store.js';
import { MemoryDashboardStore } from './memory-dashboard.store.js';
import { MemoryClaimGates } from './memory-claim-gates.js';
import { MemorySubscriptionStore } from './memory-subscription.store.js';
import { MemoryQueue } from './memory-queue.js';
import { toClaimedJob, toMemoryJob, toStoredJob } from './memory-job.mapper.js';
import { MemoryFlowStore } from './memory-flow.store.js';
import { MemoryWaits } from './memory.waits.js';

/**
 * Jobs in this process's memory: the Redis engine's semantics (leases, stalls, retries,
 * retention, priorities) in synchronous steps, without durability. For tests and for
 * running without Redis.
 */
export class MemoryEngine implements StorageEngine {
  private readonly queues = new Map<string, MemoryQueue>();
  private readonly handlers = new Map<string, string>();
  private readonly waits = new MemoryWaits();
  readonly deadLetters = new MemoryDeadLetterStore(this.queues);
  readonly breakers: MemoryBreakerStore;
  readonly subscriptions = new MemorySubscriptionStore();
  readonly schedules = new MemoryScheduleStore();
  readonly dashboard = new MemoryDashboardStore(this.queues);
  readonly flows = new MemoryFlowStore(this.queues, (name) => this.queue(name));

  constructor(private readonly config: BackgroundConfig) {
    this.breakers = new MemoryBreakerStore((name) => this.queue(name), config.leaseMs);
  }

  async connect(): Promise<void> {}

  async enqueue(jobs: NewJob[]): Promise<{ id: string; created: boolean }[]> {
    return this.enqueueNow(jobs);
  }

  /** `enqueue` as one synchronous step (see `claimNow`). */
  enqueueNow(jobs: NewJob[]): { id: string; created: boolean }[] {
    const now = Date.now();
    return jobs.map((job) => {
      const queue = this.queue(job.queue);
      if (queue.jobs.has(job.id)) return { id: job.id, created: false };
      const stored = toMemoryJob(job, now);
      queue.jobs.set(job.id, stored);
      if (job.delayMs > 0) {
        stored.state = 'delayed';
        stored.runAt = now + job.delayMs;
        queue.delayed.set(job.id, stored.runAt);
      } else {
        queue.line.push(stored, false);
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
    const stored = held.size + (queue.cancelledUnder.get(request.workerId)?.size ?? 0);
    const reconcile = queue.lost.delete(request.workerId) || stored < request.held || stored > request.held + request.inFlight;
    for (const id of request.started) {
      const job = queue.jobs.get(id)!;
      if (held.has(id) && job.reserved) queue.countStart(job, now);
    }
    const gate = new MemoryClaimGates(queue, request.breakers, request.rateLimits, now, this.config.leaseMs);
    let completed = false;
    for (const settlement of request.settlements) {
      const job = held.has(settlement.id) && settlement.outcome !== 'deferred' ? queue.jobs.get(settlement.id) : undefined;
      if (job) gate.settled(job, settlement.outcome !== 'failed');
      completed = queue.settle(held, settlement, now) || completed;
    }
    if (completed) queue.trimCompleted(now);
    const release = [...(request.release ?? [])].reverse();
    for (const id of release) if (held.delete(id)) queue.requeue(queue.jobs.get(id)!);
    // a worker that leaves: whatever it still holds (a claim that came in after it stopped waiting) goes back too
    if (request.leaving) for (const id of [...held].reverse()) if (held.delete(id)) queue.requeue(queue.jobs.get(id)!);
    if (release.length > 0 || request.leaving) queue.wake();
    queue.reap(now, request.workerId);
    for (const due of [queue.delayed, queue.retry]) {
      for (const [id, at] of [...due].sort((a, b) => a[1] - b[1])) {
        if (at > now) break;
        due.delete(id);
        queue.line.push(queue.jobs.get(id)!, false);
      }
    }
    gate.unpark();
    const jobs = [];
    // jobs this worker skipped for its handler limits, or the one it stopped at, are no reason for
    // it to hand back its reserve
    let skippedAtLimit = false;
    let stopped = false;
    const limits = new Map(request.limits ?? []);
    let rateReserveUntil: number | undefined;
    if (request.max + request.reserve > 0 && !queue.paused) {
      let claimed = 0;
      const taken = queue.line.pop(request.max + request.reserve, (job) => {
        const remaining = limits.get(job.name);
        if (remaining !== undefined && remaining <= 0) {
          skippedAtLimit = true;
          return 'skip';
        }
        // a job that stalled or that a dead worker held reserved may be what killed it (a death with
        // it reserved would not count), and one behind a gate is reserved only while the gate cannot
        // shut on it unseen (see claim-pop.lua): otherwise only claim to start
        if (claimed >= request.max && (job.suspected || job.stalls > 0 || (gate.guards(job) && !gate.reservable(job)))) {
          stopped = true;
          return 'stop';
        }
        if (gate.guards(job) && gate.admit(job) === 'park') return 'park';
        // a reserved job a rate limit counted starts before its window ends
        job.rateDeadline = claimed >= request.max ? gate.windowEnd(job) : undefined;
        if (job.rateDeadline !== undefined) rateReserveUntil = Math.min(rateReserveUntil ?? Infinity, job.rateDeadline);
        if (remaining !== undefined) limits.set(job.name, remaining - 1);
        claimed++;
        return 'take';
      });
      for (const job of taken) {
        job.reserved = jobs.length >= request.max;
        if (!job.reserved) queue.countStart(job, now);
        job.worker = request.workerId;
        held.add(job.id);
        jobs.push(toClaimedJob(job));
      }
    }
    queue.register(request.workerId, now, this.config.leaseMs);
    let wakeAt: number | null = null;
    const consider = (at: number) => {
      if (wakeAt === null || at < wakeAt) wakeAt = at;
    };
    for (const at of queue.delayed.values()) consider(at);
    for (const at of queue.retry.values()) consider(at);
    for (const [worker, at] of queue.leases) if (worker !== request.workerId) consider(at);
    const halfOpens = gate.wakeAt();
    if (halfOpens !== undefined) consider(halfOpens);
    const wakeInMs = wakeAt === null ? null : Math.max(0, wakeAt - now);
    // this worker may be the one that was woken to wait for the next due job: pass that on
    if (request.leaving && queue.delayed.size + queue.retry.size > 0) queue.wake();
    const head = queue.paused || skippedAtLimit || stopped ? undefined : queue.line.head();
    const topPriority = head && !((limits.get(head.name) ?? 1) <= 0) ? head.priority : null;
    return {
      ...{ jobs, wakeInMs, cancelled: queue.takeCancelled(request.workerId), reconcile, topPriority, transitions: gate.transitions },
      ...{ shutBreakers: gate.shut(), rateReserveMs: rateReserveUntil === undefined ? null : rateReserveUntil - now },
    };
  }

  /**
   * Claims the waiting job `id` for `workerId` to start now, in one synchronous step; null if it is
   * not waiting or the queue is paused. With `enqueueNow` and the schedule store's steps, what lets a
   * tick run inside its timer callback under a test's fake timers, as @nestjs/schedule's do
   * (lib/schedule/synchronous-engine.interface.ts). Breakers and rate limits are the caller's to check.
   */
  claimNow(queueName: string, workerId: string, id: string): ClaimedJob | null {
    const queue = this.queue(queueName);
    const job = queue.jobs.get(id);
    if (queue.paused || job?.state !== 'waiting' || job.reserved) return null;
    const now = Date.now();
    queue.line.remove(job);
    queue.countStart(job, now);
    job.worker = workerId;
    const held = queue.held.get(workerId) ?? new Set<string>();
    queue.held.set(workerId, held.add(id));
    queue.register(workerId, now, this.config.leaseMs);
    return toClaimedJob(job);
  }

  waitForWork(queue: string, until: number): Promise<void> {
    return this.waits.forWork(this.queue(queue), until);
  }

  interruptWaits(): void {
    for (const queue of this.queues.values()) queue.wake();
  }

  async heartbeat(queueName: string, workerId: string, heldIds: string[] | null): Promise<HeartbeatResponse> {
    const queue = this.queue(queueName);
    const now = Date.now();
    queue.reap(now, workerId);
    const gone: GoneJob[] = queue.takeCancelled(workerId).map((id) => ({ id, cancelled: true }));
    if (heldIds) {
      gone.length = 0;
      const held = queue.held.get(workerId) ?? new Set<string>();
      const claimed = new Set(heldIds);
      let orphans = 0;
      for (const id of held) {
        if (claimed.has(id)) continue;
        // claimed by a call whose reply never reached the worker
        held.delete(id);
        queue.requeue(queue.jobs.get(id)!);
        orphans++;
      }
      if (orphans > 0) queue.wake();
      queue.lost.delete(workerId);
      for (const id of heldIds) {
        if (!held.has(id)) gone.push({ id, cancelled: queue.jobs.get(id)?.state === 'cancelled' });
      }
    }
    queue.register(workerId, now, this.config.leaseMs);
    return { gone };
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
    return job ? toStoredJob(queueName, job) : null;
  }

  waitForSettled(queueName: string, id: string, timeoutMs: number): Promise<StoredJob | null> {
    return this.waits.forSettled(queueName, this.queues.get(queueName), id, timeoutMs);
  }

  async cancel(queueName: string, id: string): Promise<CancelOutcome> {
    return this.queue(queueName).cancel(id, Date.now());
  }

  watchCancels(queueName: string, workerId: string, onCancelled: (id: string) => void): CancelWatch {
    const listeners = this.queue(queueName).cancelListeners;
    listeners.set(workerId, onCancelled);
    return { listening: Promise.resolve(), stop: () => void listeners.delete(workerId) };
  }

  async setPaused(queueName: string, paused: boolean): Promise<void> {
    const queue = this.queue(queueName);
    queue.paused = paused;
    if (!paused) queue.wake();
  }

  async counts(queueName: string): Promise<QueueCounts> {
    return this.queue(queueName).counts();
  }

  async snapshot(queueName: string): Promise<QueueSnapshot> {
    const queue = this.queue(queueName);
    return { counts: queue.counts(), oldestWaitingMs: queue.line.oldestWaitingMs(Date.now()) };
  }

  async ping(): Promise<void> {}

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
    this.waits.close();
    this.interruptWaits();
  }

  private queue(name: string): MemoryQueue {
    let queue = this.queues.get(name);
    if (!queue) {
      queue = new MemoryQueue(this.config);
      queue.flowEnded = (job) => this.flows.ended(job);
      queue.flowResumed = (job) => this.flows.resumed(job);
      this.queues.set(name, queue);
    }
    return queue;
  }
}
