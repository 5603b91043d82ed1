import type { CancelWatch } from '../storage-engine.interface.js';
import type { RedisSubscriber } from './redis.subscriber.js';

type OnCancelled = (id: string) => void;

interface Channel {
  /** Worker id → what to tell it. */
  readonly workers: Map<string, OnCancelled>;
  readonly listening: Promise<void>;
}

/**
 * Tells this process's workers at once when a user cancels a job one of them holds, in whichever
 * process the cancel was made: cancel.lua publishes `[worker id, job id]` on the queue's channel
 * `<base>:cancelled`. A queue's channel is listened to from its first worker here on, over the
 * process's subscriber connection: nothing per job, and no command at all until a cancel.
 *
 * Best effort: a notice published while the connection is down is lost, and the worker learns of
 * the cancel at its next claim or lease renewal instead, as it would without this watcher.
 */
export class CancelWatcher {
  private readonly channels = new Map<string, Channel>();

  constructor(
    private readonly subscriber: RedisSubscriber,
    /** How long the first subscription waits for the connection; one that failed is tried again once it is ready. */
    private readonly timeoutMs: number,
  ) {}

  watch(base: string, workerId: string, onCancelled: OnCancelled): CancelWatch {
    const name = `${base}:cancelled`;
    let channel = this.channels.get(name);
    if (!channel) {
      const workers = new Map<string, OnCancelled>();
      const subscribed = this.subscriber.listen(name, (message) => this.onMessage(workers, message), this.timeoutMs);
      channel = { workers, listening: subscribed.catch(() => undefined) };
      this.channels.set(name, channel);
    }
    const { workers, listening } = channel;
    workers.set(workerId, onCancelled);
    return { listening, stop: () => void workers.delete(workerId) };
  }

  private onMessage(workers: Map<string, OnCancelled>, message: string): void {
    const [workerId, id] = JSON.parse(message) as [string, string];
    workers.get(workerId)?.(id);
  }
}
