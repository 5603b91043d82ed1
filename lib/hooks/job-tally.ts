import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import type { Subscription } from 'rxjs';
import type { JobNameStats } from '../interfaces/job-info.interface.js';
import { JobEvents } from './job-events.js';
import type { JobRunEvent } from './job-event.interface.js';

/**
 * Per job name, what this process's workers did since it started: the figures `getStats()` adds
 * for those without Prometheus, counted in memory from the outcomes the workers know already.
 */
@Injectable()
export class JobTally implements OnModuleDestroy {
  private readonly byName = new Map<string, JobNameStats>();
  private readonly subscription: Subscription;

  constructor(events: JobEvents) {
    this.subscription = events.events$.subscribe((event) => {
      if ('id' in event) this.count(event);
    });
  }

  /** A copy, keyed by job name. */
  snapshot(): Record<string, JobNameStats> {
    return Object.fromEntries([...this.byName].map(([name, stats]) => [name, { ...stats }]));
  }

  onModuleDestroy(): void {
    this.subscription.unsubscribe();
  }

  private count(event: JobRunEvent): void {
    let stats = this.byName.get(event.name);
    if (!stats) {
      stats = { queue: event.queue, started: 0, completed: 0, failed: 0, retried: 0, dead: 0, cancelled: 0, skipped: 0, timedOut: 0, runMs: 0, waitMs: 0 };
      this.byName.set(event.name, stats);
    }
    switch (event.type) {
      case 'started':
        stats.started++;
        stats.waitMs += event.waitMs ?? 0;
        return;
      case 'completed':
        stats.completed++;
        break;
      case 'failed':
        stats.failed++;
        if (event.timedOut) stats.timedOut++;
        break;
      case 'retrying':
        stats.retried++;
        return;
      case 'dead':
        stats.dead++;
        return;
      case 'cancelled':
        stats.cancelled++;
        break;
      case 'skipped':
        stats.skipped++;
        break;
    }
    stats.runMs += event.durationMs ?? 0;
  }
}
