/**
 * A subscriber as every process of the cluster knows it: published by the processes that have it,
 * read by the ones that emit. What its jobs need is here, since the emitter may not have its code.
 */
export interface EventSubscription {
  /** The subscriber's job name: `Class@method`, or `@OnEvent`'s `name`. */
  name: string;
  patterns: string[];
  /** The queue its jobs go to. */
  queue: string;
  priority?: number;
  attempts?: number;
  timeoutMs?: number;
}
