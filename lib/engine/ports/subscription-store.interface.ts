import type { EventSubscription } from './event-subscription.interface.js';

/**
 * A subscription no process has published for this long is forgotten: it was removed from the
 * code (or its provider from every process). Longer than the job-route TTL on purpose, so that a
 * subscriber whose processes are all down for a while still gets the events emitted meanwhile.
 */
export const SUBSCRIPTION_TTL_MS = 24 * 60 * 60_000;

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
