import { JOB_ARGS_METADATA } from '../background.constants.js';
import { JOB_ARGS } from '../background-params.factory.js';
import { ON_EVENT_METADATA } from './events.constants.js';
import { eventName, type EventDefinition } from './event.definition.js';
import type { EventContext, OnEventOptions } from './on-event-options.interface.js';

export interface OnEventMetadata {
  pattern: unknown;
  options: OnEventOptions;
}

type Subscriber<TPayload> = (payload: TPayload, ctx: EventContext) => unknown;

/**
 * Makes a method of a provider a durable subscriber (a request-scoped provider gets an instance per job): each `jobs.emit(event, payload)`
 * whose name matches `pattern` stores one job for it, retried on its own (`@Retry`,
 * `@CircuitBreaker` and the dead-letter queue apply). Stack several on one method to subscribe
 * it to several patterns; it still gets one job per emit.
 * @publicApi
 */
export function OnEvent<TPayload>(
  definition: EventDefinition<TPayload>,
  options?: OnEventOptions,
): <M extends Subscriber<TPayload>>(target: object, key: string | symbol, descriptor: TypedPropertyDescriptor<M>) => void;
export function OnEvent(pattern: string, options?: OnEventOptions): MethodDecorator;
export function OnEvent(pattern: string | EventDefinition<any>, options: OnEventOptions = {}): MethodDecorator {
  return (target, key, descriptor) => {
    // stacked decorators extend the list, as @nestjs/event-emitter's do
    const method = descriptor.value as object;
    const stacked: OnEventMetadata[] = Reflect.getMetadata(ON_EVENT_METADATA, method) ?? [];
    Reflect.defineMetadata(ON_EVENT_METADATA, [...stacked, { pattern: eventName(pattern), options }], method);
    // where parameter decorators put theirs, so that pipes (@UsePipes) reach the payload
    Reflect.defineMetadata(JOB_ARGS_METADATA, JOB_ARGS, target.constructor, key);
    return descriptor;
  };
}
