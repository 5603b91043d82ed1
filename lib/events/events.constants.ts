export const ON_EVENT_METADATA = 'nestjs-background:on-event';

/**
 * How long a fan-out job waits before it stores the jobs the emitter should have stored itself
 * (see EventFanOut): the emitter normally has by then, and the fan-out job changes nothing.
 */
export const FAN_OUT_DELAY_MS = 2_000;

/** With the default backoff (up to a minute apart), a fan-out job outlasts a Redis outage of about 20 minutes. */
export const FAN_OUT_ATTEMPTS = 25;

/** The start of every job id an event makes; `enqueue` refuses it, so that no caller's job stands in for an event's. */
export const EVENT_JOB_PREFIX = 'event:';

/** The id of the job of one subscriber (or of the fan-out job) of an event: the same in every process, so it is stored once. */
export const eventJobId = (eventId: string, subscriber: string) => `${EVENT_JOB_PREFIX}${eventId}:${subscriber}`;

/**
 * Provided (true) by `nestjs-background/event-emitter`'s module, which stands in for
 * `@nestjs/event-emitter`'s: only then are methods with that package's own `@OnEvent` subscribers
 * here, so that an application that keeps `EventEmitterModule` does not get each event twice.
 */
export const ADOPT_PEER_ON_EVENT = Symbol('nestjs-background:adopt-peer-on-event');

/**
 * Provided (true) by `nestjs-background/event-emitter`'s module given `inheritRequestContextId: true`:
 * a request-scoped subscriber's context id is then the payload's own (`ContextIdFactory.getByRequest(payload)`),
 * as that package does, so that `emitAsync(event, request)` inside a request reuses its instances.
 */
export const INHERIT_REQUEST_CONTEXT_ID = Symbol('nestjs-background:inherit-request-context-id');

/** `@nestjs/event-emitter`'s metadata key (its EVENT_LISTENER_METADATA), read without loading that package. */
export const PEER_EVENT_LISTENER_METADATA = 'EVENT_LISTENER_METADATA';
