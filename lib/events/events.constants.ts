export const ON_EVENT_METADATA = 'nestjs-background:on-event';

/**
 * The queue of every subscriber's jobs. One queue for all of them is what makes an emit atomic:
 * the jobs of one emit are written by one script, in one cluster slot.
 */
export const EVENTS_QUEUE = 'events';

/**
 * A subscription no process has published for this long is forgotten: it was removed from the
 * code (or its provider from every process). Longer than the job-route TTL on purpose, so that a
 * subscriber whose processes are all down for a while still gets the events emitted meanwhile.
 */
export const SUBSCRIPTION_TTL_MS = 24 * 60 * 60_000;
