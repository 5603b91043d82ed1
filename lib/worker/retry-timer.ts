// the process's own clock, not the global a test's fake timers replace: the worker's pacing and its
// trust in its lease are about real round trips (see docs/schedule-migration.md, fake timers)
import { performance } from 'node:perf_hooks';
import { Logger } from '@nestjs/common';

/** The wait after a failed round trip when storage does not come back sooner. */
const RETRY_MS = 1000;

/**
 * A worker's one pending retry after storage could not be reached: as soon as storage is ready
 * again, or 1 s later, never two at once. A retry is sent early at most once a second, so that a
 * storage that says it is ready but keeps failing the call is not called in a loop.
 */
export class RetryTimer {
  private readonly logger = new Logger('Background');
  private timer: NodeJS.Timeout | null = null;
  /** `performance.now()` of the last retry sent before its second was up. */
  private hurriedAt = -Infinity;

  constructor(
    private readonly queue: string,
    private readonly retry: () => void,
    /** Resolves once storage can take calls again; rejects after `timeoutMs`. */
    private readonly ready: (timeoutMs: number) => Promise<void>,
  ) {}

  /** Retries once storage is ready again, or in 1 s, unless a retry is pending already. */
  set(error: Error): void {
    if (this.timer) return;
    // the connection reports an outage once per process; this is the same news, per queue
    this.logger.debug(`Queue "${this.queue}" cannot reach its storage, retrying in 1 s at most: ${error.message}`);
    const timer = setTimeout(() => this.fire(timer), RETRY_MS);
    this.timer = timer;
    if (performance.now() - this.hurriedAt < RETRY_MS) return;
    // the connection came back while the round trip failed, or comes back before the second is
    // up: waiting it out left a worker idle for up to a second after Redis answered again
    this.ready(RETRY_MS).then(
      () => {
        if (this.timer !== timer) return;
        this.hurriedAt = performance.now();
        this.fire(timer);
      },
      () => undefined,
    );
  }

  /** Whether a retry is pending: until it fires, the worker sends no other round trip. */
  get pending(): boolean {
    return this.timer !== null;
  }

  clear(): void {
    clearTimeout(this.timer ?? undefined);
    this.timer = null;
  }

  private fire(timer: NodeJS.Timeout): void {
    if (this.timer !== timer) return;
    clearTimeout(timer);
    this.timer = null;
    this.retry();
  }
}
