import type { EventSubscription } from './event-subscription.interface.js';

/**
 * The cluster's `@OnEvent` subscriptions, as the processes that have them publish them. Each is
 * kept SUBSCRIPTION_TTL_MS after its last publication, then forgotten.
 */
export interface SubscriptionStore {
  /** Publishes (or refreshes) these subscriptions, as of now. */
  publish(subscriptions: EventSubscription[]): Promise<void>;
  /** Every subscription published within SUBSCRIPTION_TTL_MS, by any process. */
  list(): Promise<EventSubscription[]>;
}
