import { Logger } from '@nestjs/common';

/** A worker's one pending retry after storage could not be reached: 1 s later, never two at once. */
export class RetryTimer {
  private readonly logger = new Logger('Background');
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly queue: string,
    private readonly retry: () => void,
  ) {}

  /** Retries in 1 s, unless a retry is pending already. */
  set(error: Error): void {
    if (this.timer) return;
    // the connection reports an outage once per process; this is the same news, per queue
    this.logger.debug(`Queue "${this.queue}" cannot reach its storage, retrying in 1 s: ${error.message}`);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.retry();
    }, 1000);
  }

  clear(): void {
    clearTimeout(this.timer ?? undefined);
    this.timer = null;
  }
}
