import type { EventSubscription } from '../ports/event-subscription.interface.js';
import type { SubscriptionStore } from '../ports/subscription-store.interface.js';

/** This process's subscriptions: with the memory engine there is no other process to hear of. */
export class MemorySubscriptionStore implements SubscriptionStore {
  private readonly subscriptions = new Map<string, EventSubscription>();

  async publish(subscriptions: EventSubscription[]): Promise<void> {
    for (const subscription of subscriptions) this.subscriptions.set(subscription.name, subscription);
  }

  async list(): Promise<EventSubscription[]> {
    return [...this.subscriptions.values()];
  }
}
