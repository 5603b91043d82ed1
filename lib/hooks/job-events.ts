import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { Subject, filter, type Observable } from 'rxjs';
import type { JobEvent, JobEventType } from './job-event.interface.js';

/**
 * The life of the jobs this process runs, as it happens: subscribe to `events$` (or `on(type)`),
 * or put `@OnJobEvent(type)` on a provider's method. Job events come from the process that ran
 * the attempt; breaker transitions once per cluster, from the process whose call made them.
 * Nothing here touches storage: a job costs no round trip more for being observed.
 * @publicApi
 */
@Injectable()
export class JobEvents implements OnApplicationShutdown {
  private readonly subject = new Subject<JobEvent>();
  /** Every event; a subscriber that throws is logged by rxjs' error reporting, never the job's concern. */
  readonly events$: Observable<JobEvent> = this.subject.asObservable();

  /** Events of the given types only. */
  on<T extends JobEventType>(...types: T[]): Observable<Extract<JobEvent, { type: T }>> {
    const wanted = new Set<JobEventType>(types);
    return this.events$.pipe(filter((event): event is Extract<JobEvent, { type: T }> => wanted.has(event.type)));
  }

  /** @internal told by the workers and the breaker service */
  emit(event: JobEvent): void {
    if (this.subject.observed) this.subject.next(event);
  }

  onApplicationShutdown(): void {
    this.subject.complete();
  }
}
