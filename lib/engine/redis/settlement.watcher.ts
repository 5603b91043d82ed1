import { WAIT_INTERRUPTED } from '../../background.messages.js';
import { WaitTimeoutError } from '../../errors/wait-timeout.error.js';
import { isFinal } from '../storage-engine.interface.js';
import type { StoredJob } from '../stored-job.interface.js';
import type { RedisSubscriber } from './redis.subscriber.js';

/** How the watcher reaches storage; the engine's own command client does the work. */
export interface SettlementSource {
  /** `{prefix:queue}`: the channel of a queue is `<base>:settled`. */
  base(queue: string): string;
  /** Registers interest in the job unless it is final or missing, and reads it in the same step. */
  watch(queue: string, id: string, timeoutMs: number): Promise<StoredJob | null>;
  /** Reads the job now, failing at once rather than waiting for a lost connection. */
  read(queue: string, id: string): Promise<StoredJob | null>;
  /** The job a settling script published: `[id, hash as field/value list, log lines]`. */
  parse(queue: string, message: string): StoredJob;
}

interface Watch {
  queue: string;
  id: string;
  deadline: number;
  finish(job: StoredJob | null): void;
  fail(error: unknown): void;
}

/**
 * Wakes `waitFor` callers when storage settles their job, in whichever process that happens.
 * Waiters register in Redis; only a settlement someone waits for is published, so the claim
 * script pays one EXISTS per call while nobody waits. The process's subscriber connection,
 * opened on the first wait, listens on the channel of each queue waited on.
 */
export class SettlementWatcher {
  /** `channel \0 id` → the waits for that job. */
  private readonly watches = new Map<string, Set<Watch>>();
  private closed = false;

  constructor(
    private readonly subscriber: RedisSubscriber,
    private readonly source: SettlementSource,
  ) {
    subscriber.onReconnect(() => this.onReconnect());
  }

  async waitForSettled(queue: string, id: string, timeoutMs: number): Promise<StoredJob | null> {
    const channel = `${this.source.base(queue)}:settled`;
    // listening before registering: a settlement right after the registration is not missed
    await this.subscriber.listen(channel, (message) => this.onMessage(queue, channel, message), timeoutMs);
    return new Promise<StoredJob | null>((resolve, reject) => {
      const key = `${channel}\0${id}`;
      let timer: NodeJS.Timeout | undefined;
      const end = () => {
        clearTimeout(timer);
        const waits = this.watches.get(key);
        waits?.delete(watch);
        if (waits?.size === 0) this.watches.delete(key);
      };
      const watch: Watch = {
        queue,
        id,
        deadline: Date.now() + timeoutMs,
        finish: (job) => {
          end();
          resolve(job);
        },
        fail: (error) => {
          end();
          reject(error);
        },
      };
      // known before the registration's reply: the notice may come first, on the other connection
      const waits = this.watches.get(key) ?? new Set<Watch>();
      waits.add(watch);
      this.watches.set(key, waits);
      timer = setTimeout(() => {
        // one last look: the job may have settled while the notice was on its way
        this.source.read(queue, id).then(watch.finish, watch.fail);
      }, timeoutMs);
      this.look(watch, true);
    });
  }

  /** Ends every wait (shutdown); their callers are told the application is closing. */
  close(): void {
    this.closed = true;
    for (const waits of [...this.watches.values()]) {
      for (const watch of [...waits]) watch.fail(new WaitTimeoutError(WAIT_INTERRUPTED(watch.id)));
    }
  }

  /** Registers the wait in Redis and reads the job; a job already final or gone ends the wait. */
  private look(watch: Watch, first: boolean): void {
    this.source.watch(watch.queue, watch.id, Math.max(0, watch.deadline - Date.now())).then(
      (job) => {
        if (!job || isFinal(job.state)) watch.finish(job);
      },
      // after a reconnect the look is a second chance only: the wait's own timer still ends it
      (error: unknown) => first && watch.fail(error),
    );
  }

  private onMessage(queue: string, channel: string, message: string): void {
    const job = this.source.parse(queue, message);
    const waits = this.watches.get(`${channel}\0${job.id}`);
    if (waits) for (const watch of [...waits]) watch.finish(job);
  }

  /**
   * Back after a lost connection, the channels are listened to again, but what was published
   * meanwhile is gone: every wait looks once more (and registers again, should Redis have lost
   * its registrations too).
   */
  private onReconnect(): void {
    if (this.closed) return;
    for (const waits of this.watches.values()) for (const watch of waits) this.look(watch, false);
  }
}
