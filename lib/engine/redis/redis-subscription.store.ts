import type { RedisClient } from './redis.client.js';
import type { EventSubscription } from '../ports/event-subscription.interface.js';
import { SUBSCRIPTION_TTL_MS, type SubscriptionStore } from '../ports/subscription-store.interface.js';

type Published = EventSubscription & { seen: number };

/**
 * Subscriptions in the hash `<prefix>:subscriptions`: subscriber name → the subscription as JSON,
 * with when it was last published. One key, read whole by each emit (one round trip).
 */
export class RedisSubscriptionStore implements SubscriptionStore {
  constructor(
    private readonly client: RedisClient,
    private readonly key: string,
    private readonly connect: () => Promise<void>,
  ) {}

  async publish(subscriptions: EventSubscription[]): Promise<void> {
    if (subscriptions.length === 0) return;
    await this.connect();
    const seen = Date.now();
    await this.client.hset(this.key, ...subscriptions.flatMap((s) => [s.name, JSON.stringify({ ...s, seen })]));
  }

  async list(): Promise<EventSubscription[]> {
    await this.connect();
    const all = await this.client.hgetall(this.key);
    const live: EventSubscription[] = [];
    const expired: string[] = [];
    const oldest = Date.now() - SUBSCRIPTION_TTL_MS;
    for (const [name, text] of Object.entries(all)) {
      const { seen, ...subscription } = JSON.parse(text) as Published;
      if (seen >= oldest) live.push(subscription);
      else expired.push(name);
    }
    // its code was removed from every process: nothing republished it within the TTL
    if (expired.length > 0) this.client.hdel(this.key, ...expired).catch(() => undefined);
    return live;
  }
}
