import { Inject, Injectable } from '@nestjs/common';
import { BACKGROUND_CONFIG } from '../background.constants.js';
import type { BackgroundConfig } from '../background.config.js';
import { BackgroundOrchestrator } from '../background.orchestrator.js';
import { CircuitBreakerService } from '../breaker/circuit-breaker.service.js';
import { STORAGE_ENGINE, type QueueSnapshot, type StorageEngine } from '../engine/storage-engine.interface.js';
import { StorageGateway } from '../storage.gateway.js';
import { within } from '../worker/within.js';
import type { BackgroundHealthThresholds } from './health-thresholds.interface.js';

const DEFAULT_MAX_PING_MS = 1000;
const DEFAULT_MAX_WAITING_MS = 60_000;

/** What a health check found: the figures, and what is wrong with them. */
export interface BackgroundHealthReport {
  status: 'up' | 'degraded' | 'down';
  /** What is wrong, one sentence each; empty when up. */
  problems: string[];
  figures: Record<string, unknown>;
}

/**
 * Reads what health checks and metrics report: storage's reachability and latency, this
 * process's workers, each queue's counts and oldest waiting job (one round trip per queue),
 * breakers. Knows nothing of Terminus or prom-client, which use it from their own entry points.
 */
@Injectable()
export class BackgroundMonitor {
  constructor(
    @Inject(BACKGROUND_CONFIG) private readonly config: BackgroundConfig,
    @Inject(STORAGE_ENGINE) private readonly engine: StorageEngine,
    private readonly orchestrator: BackgroundOrchestrator,
    private readonly storage: StorageGateway,
    readonly breakers: CircuitBreakerService,
  ) {}

  /** Round trip to storage in milliseconds; rejects if it fails or takes longer than `timeoutMs`. */
  async ping(timeoutMs = DEFAULT_MAX_PING_MS): Promise<number> {
    const startedAt = performance.now();
    const ping = this.engine.ping();
    const answered = await within(ping.then(() => true), timeoutMs);
    if (!answered) {
      ping.catch(() => undefined);
      throw new Error(`no answer within ${timeoutMs} ms`);
    }
    return Math.round((performance.now() - startedAt) * 100) / 100;
  }

  /** This process's workers, each with how long ago its loop last turned. */
  workers(): { queue: string; active: number; lastTurnMsAgo: number }[] {
    const now = Date.now();
    return this.orchestrator.workerStatus().map(({ queue, active, lastTurnAt }) => ({ queue, active, lastTurnMsAgo: now - lastTurnAt }));
  }

  /** Every known queue's counts and oldest waiting job: one round trip per queue, all at once. */
  async queues(): Promise<Map<string, QueueSnapshot>> {
    const queues = await this.storage.queues();
    const snapshots = await this.storage.call(Promise.all(queues.map((queue) => this.engine.snapshot(queue))));
    return new Map(queues.map((queue, index) => [queue, snapshots[index]!]));
  }

  /** Liveness: every worker of this process turns its loop (none at all is alive too). */
  alive(thresholds: BackgroundHealthThresholds = {}): BackgroundHealthReport {
    const stallMs = thresholds.workerStallMs ?? 2 * this.config.leaseMs;
    const workers = this.workers();
    const problems = workers
      .filter((worker) => worker.lastTurnMsAgo > stallMs)
      .map((worker) => `the worker of queue "${worker.queue}" has not turned for ${worker.lastTurnMsAgo} ms (limit ${stallMs} ms)`);
    return report(problems, false, { workers: Object.fromEntries(workers.map(({ queue, ...rest }) => [queue, rest])) });
  }

  /** Readiness: storage answers within `maxPingMs`. */
  async ready(thresholds: BackgroundHealthThresholds = {}): Promise<BackgroundHealthReport> {
    const redis = await this.reachability(thresholds.maxPingMs ?? DEFAULT_MAX_PING_MS);
    return report(redis.problem ? [redis.problem] : [], false, { storage: redis.figures });
  }

  /** Everything: storage, workers, each queue's oldest waiting job, dead letters, breakers. */
  async healthy(thresholds: BackgroundHealthThresholds = {}): Promise<BackgroundHealthReport> {
    const maxPingMs = thresholds.maxPingMs ?? DEFAULT_MAX_PING_MS;
    const live = this.alive(thresholds);
    const redis = await this.reachability(maxPingMs);
    const problems = [...live.problems, ...(redis.problem ? [redis.problem] : [])];
    const figures: Record<string, unknown> = { storage: redis.figures, ...live.figures };
    if (redis.problem) return report(problems, false, figures);
    try {
      const [queues, breakers] = await Promise.all([this.queues(), this.breakers.list()]);
      let dead = 0;
      // flows' parents (and jobs enqueued with dependsOn) waiting for their children
      let waitingChildren = 0;
      const queueFigures: Record<string, { waiting: number; oldestWaitingMs: number | null }> = {};
      for (const [queue, { counts, oldestWaitingMs }] of queues) {
        dead += counts.dead;
        waitingChildren += counts['waiting-children'];
        queueFigures[queue] = { waiting: counts.waiting, oldestWaitingMs };
        const limit = waitingLimit(thresholds.maxWaitingMs, queue);
        if (oldestWaitingMs !== null && oldestWaitingMs > limit) {
          problems.push(`queue "${queue}": its oldest waiting job has waited ${oldestWaitingMs} ms (limit ${limit} ms)`);
        }
      }
      if (thresholds.maxDeadLetters !== undefined && dead > thresholds.maxDeadLetters) {
        problems.push(`${dead} dead jobs (limit ${thresholds.maxDeadLetters})`);
      }
      // half-open ones are shown too: they are finding out whether their dependency is back
      const notClosed = breakers.filter((breaker) => breaker.state !== 'closed').map(({ name, state }) => ({ name, state }));
      const open = notClosed.filter((breaker) => breaker.state === 'open').length;
      if (thresholds.maxOpenBreakers !== undefined && open > thresholds.maxOpenBreakers) {
        problems.push(`${open} circuit breakers open (limit ${thresholds.maxOpenBreakers})`);
      }
      Object.assign(figures, { queues: queueFigures, deadLetters: dead, waitingChildren, breakers: notClosed });
      return report(problems, open > 0, figures);
    } catch (error) {
      problems.push(`storage failed while read: ${(error as Error).message}`);
      return report(problems, false, figures);
    }
  }

  private async reachability(maxPingMs: number): Promise<{ figures: Record<string, unknown>; problem?: string }> {
    const name = this.config.storage;
    try {
      const latencyMs = await this.ping(maxPingMs);
      return { figures: { engine: name, reachable: true, latencyMs } };
    } catch (error) {
      const message = (error as Error).message;
      return { figures: { engine: name, reachable: false, error: message }, problem: `${name} cannot be reached: ${message}` };
    }
  }
}

function report(problems: string[], degraded: boolean, figures: Record<string, unknown>): BackgroundHealthReport {
  return { status: problems.length > 0 ? 'down' : degraded ? 'degraded' : 'up', problems, figures };
}

function waitingLimit(limit: BackgroundHealthThresholds['maxWaitingMs'], queue: string): number {
  if (typeof limit === 'number') return limit;
  return limit?.[queue] ?? DEFAULT_MAX_WAITING_MS;
}
