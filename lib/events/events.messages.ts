/** Messages of durable events, each saying what to do about it. */

const show = (value: unknown) => (typeof value === 'string' ? JSON.stringify(value) : value === null ? 'null' : typeof value);

export const INVALID_EVENT_NAME = (where: string, got: unknown, problem: string) =>
  `${where}: the event name ${show(got)} is invalid: ${problem}. Name events like "order.placed".`;

export const INVALID_EVENT_PATTERN = (where: string, got: unknown, problem: string) =>
  `${where}: the pattern ${show(got)} is invalid: ${problem}. Use segments separated by ".", with "*" for one segment and "**" for any number, e.g. "order.*" or "order.**".`;

export const INVALID_SUBSCRIBER_NAME = (where: string, got: unknown) =>
  `${where}: the option "name" must be a non-empty string of at most 200 characters, got ${show(got)}. It names the subscriber's jobs; leave it out to use Class@method.`;

export const STACKED_OPTIONS_DIFFER = (target: string, key: string) =>
  `The @OnEvent() decorators stacked on ${target} give different values of "${key}". Give the options once, on one of them.`;

export const NO_SUBSCRIBERS = (event: string, id: string) =>
  `Event "${event}" (${id}) has no subscriber in the cluster; nothing was stored.`;

export const FAN_OUT_DELAYED = (event: string, id: string, reason: string) =>
  `Event "${event}" (${id}) is stored, but the jobs of subscribers in other queues could not be written yet (${reason}); its fan-out job writes them within seconds once storage answers.`;

export const FIRE_AND_FORGET_FAILED = (task: string, message: string) =>
  `fireAndForget task ${task} failed: ${message}. It is not retried; use enqueue() for work that must not be lost.`;

export const FIRE_AND_FORGET_NOT_A_FUNCTION = (got: unknown) =>
  `fireAndForget() expects a function (data) => unknown, got ${show(got)}. Pass the function itself, not its result.`;

export const LOCAL_SUBSCRIBER_FAILED = (target: string, event: string, message: string) =>
  `${target} failed on a local emitAsync("${event}"): ${message}. It is not retried (a local call stores nothing); give it suppressErrors: false to reject emitAsync() instead, or emit durably.`;
