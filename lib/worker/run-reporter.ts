import { Logger } from '@nestjs/common';
import type { BreakerSpec, BreakerTransition } from '../engine/ports/breaker-store.interface.js';
import { logTransition } from '../breaker/breaker-transition.log.js';
import { NO_RETRY, type ClaimedJob, type Settlement } from '../engine/storage-engine.interface.js';
import type { JobEvents } from '../hooks/job-events.js';
import type { JobRunEvent } from '../hooks/job-event.interface.js';
import type { ThrownValue } from './thrown-value.js';
import { jobLabel, printable } from '../logging/printable.js';

const DEAD_REASONS: Record<number, NonNullable<JobRunEvent['deadReason']>> = {
  [NO_RETRY.unrecoverable]: 'unrecoverable',
  [NO_RETRY.retryIf]: 'retryIf',
  [NO_RETRY.exhausted]: 'attempts exhausted',
};

/**
 * Tells what became of each attempt a worker ran, from what the worker knows already (nothing is
 * read from storage): the log lines and the `JobEvents` that metrics, `getStats()` and
 * `@OnJobEvent` hooks count. Per-job lines are debug, and only with `logJobs` (Nest's default logger
 * prints debug lines, and a healthy app logs only its start and shutdown); a failure warns; a dead
 * job is an error.
 */
export class RunReporter {
  private readonly logger = new Logger('Background');

  constructor(
    private readonly queue: string,
    private readonly events: JobEvents,
    private readonly logJobs: boolean,
  ) {}

  started(job: ClaimedJob): void {
    // a retry waited for its backoff too: only a first attempt tells how long the queue made it wait
    const waitMs = job.attempt === 1 ? Math.max(0, Date.now() - job.enqueuedAt) : undefined;
    if (this.perJob()) {
      this.logger.debug(`${jobLabel(job)} started, attempt ${job.attempt}/${job.maxAttempts}${waitMs === undefined ? '' : ` after ${waitMs} ms waiting`}`);
    }
    const { id, name, attempt, maxAttempts } = job;
    // one object a job and event, not a spread of another: two of these a job are most of its events' garbage
    this.events.emit({ type: 'started', id, name, queue: this.queue, attempt, maxAttempts, at: Date.now(), waitMs });
  }

  /** `outcome`: what the handler returned, or (a failure) what it threw, as `readThrown` read it. */
  finished(job: ClaimedJob, target: string | undefined, settlement: Settlement, durationMs: number, outcome: unknown, timedOut: boolean): void {
    if (settlement.outcome === 'completed') {
      if (this.perJob()) this.logger.debug(`${jobLabel(job)} completed in ${Math.round(durationMs)} ms`);
      const { id, name, attempt, maxAttempts } = job;
      this.events.emit({ type: 'completed', id, name, queue: this.queue, attempt, maxAttempts, at: Date.now(), durationMs, result: outcome });
      return;
    }
    if (settlement.outcome === 'deferred') return;
    if (settlement.outcome === 'skipped') {
      if (this.perJob()) this.logger.debug(`${jobLabel(job)} skipped in ${Math.round(durationMs)} ms: ${printable(settlement.reason)}`);
      this.events.emit({ type: 'skipped', ...this.of(job), durationMs, reason: settlement.reason });
      return;
    }
    const thrown = outcome as ThrownValue;
    const failed = { ...this.of(job), durationMs, error: thrown.error, timedOut };
    const retryInMs = settlement.retryInMs;
    const where = `${jobLabel(job)} failed on attempt ${job.attempt}/${job.maxAttempts} in ${target}: ${printable(thrown.message)}`;
    this.events.emit({ type: 'failed', ...failed });
    if (retryInMs >= 0) {
      this.logger.warn(`${where}; retrying in ${retryInMs} ms`);
      this.events.emit({ type: 'retrying', ...failed, retryInMs });
    } else {
      const deadReason = DEAD_REASONS[retryInMs] ?? 'attempts exhausted';
      this.logger.error(`${where}; it is dead (${deadReason}), see the dead-letter queue`);
      this.events.emit({ type: 'dead', ...failed, deadReason });
    }
  }

  cancelled(job: ClaimedJob, durationMs: number): void {
    if (this.perJob()) this.logger.debug(`${jobLabel(job)} was cancelled while running`);
    this.events.emit({ type: 'cancelled', ...this.of(job), durationMs });
  }

  /** The claim that made a transition is the one call in the cluster that tells of it. */
  transition(transition: BreakerTransition, specs: readonly { breaker: BreakerSpec }[]): void {
    logTransition(this.logger, transition, specs);
    this.events.emit({ type: `breaker.${transition.to}`, breaker: transition.breaker, queue: this.queue, at: Date.now() });
  }

  private perJob(): boolean {
    return this.logJobs && Logger.isLevelEnabled('debug');
  }

  private of(job: ClaimedJob): Omit<JobRunEvent, 'type'> {
    return { id: job.id, name: job.name, queue: this.queue, attempt: job.attempt, maxAttempts: job.maxAttempts, at: Date.now() };
  }
}
