import { Cluster } from 'ioredis';
import type { RedisClient } from './redis.client.js';
import type { RedisConnection } from './redis.connection.js';

interface Subscription {
  readonly onMessage: (message: string) => void;
  /** Under way or done; undefined after a try that failed, until the next one. */
  subscribed?: Promise<void>;
}

/**
 * The process's one subscriber connection, opened on the first subscription and shared by all
 * that listen: `waitFor` callers (settlement notices) and workers (cancel notices). One listener
 * per channel. A channel whose subscription failed is tried again when the connection is next
 * ready; ioredis itself subscribes again to the others after a reconnect. What was published
 * while the connection was down is lost: `onReconnect` listeners look for themselves.
 */
export class RedisSubscriber {
  private client?: RedisClient;
  private readonly subscriptions = new Map<string, Subscription>();
  private readonly reconnectListeners: (() => void)[] = [];
  private everReady = false;

  constructor(
    private readonly connection: RedisConnection,
    /** A Cluster subscribes over a connection of its own already: no second client needed. */
    private readonly commands: RedisClient,
  ) {}

  /**
   * Listens on `channel` with `onMessage` (the first listener of a channel is kept); resolves once
   * Redis has confirmed, or rejects if the connection is not ready within `timeoutMs`.
   */
  listen(channel: string, onMessage: (message: string) => void, timeoutMs: number): Promise<void> {
    let subscription = this.subscriptions.get(channel);
    if (!subscription) {
      subscription = { onMessage };
      this.subscriptions.set(channel, subscription);
    }
    subscription.subscribed ??= this.subscribe(channel, subscription, timeoutMs);
    return subscription.subscribed;
  }

  /** Called each time the connection is ready again after it was lost. */
  onReconnect(listener: () => void): void {
    this.reconnectListeners.push(listener);
  }

  private subscribe(channel: string, subscription: Subscription, timeoutMs: number): Promise<void> {
    const client = this.open();
    const subscribed = (async () => {
      await this.connection.ready(client, timeoutMs);
      await client.subscribe(channel);
    })();
    subscribed.catch(() => {
      if (subscription.subscribed === subscribed) subscription.subscribed = undefined;
    });
    return subscribed;
  }

  private open(): RedisClient {
    if (this.client) return this.client;
    const client = this.commands instanceof Cluster ? this.commands : this.connection.create('subscriber');
    client.on('message', (channel: string, message: string) => this.subscriptions.get(channel)?.onMessage(message));
    client.on('ready', () => this.onReady());
    // an application's Cluster we duplicated may be connected already
    this.everReady = client.status === 'ready';
    this.client = client;
    return client;
  }

  private onReady(): void {
    for (const [channel, subscription] of this.subscriptions) {
      if (!subscription.subscribed) this.listen(channel, subscription.onMessage, 1000).catch(() => undefined);
    }
    if (!this.everReady) {
      this.everReady = true;
      return;
    }
    for (const listener of this.reconnectListeners) listener();
  }
}
