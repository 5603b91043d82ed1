import { extendArrayMetadata } from '@nestjs/common/utils/extend-metadata.util.js';
import { ON_JOB_EVENT_METADATA } from './job-event.constants.js';
import type { JobEvent, JobEventType } from './job-event.interface.js';

/**
 * Calls the method with each event of the given types (`JobEvent`): job events in the process that
 * ran the attempt, breaker transitions once across the cluster. Stacks: several `@OnJobEvent` on
 * one method add up. What the method throws or rejects with is logged and changes nothing.
 * @publicApi
 */
export function OnJobEvent(...types: JobEventType[]): MethodDecorator {
  return (_target: object, _key: string | symbol, descriptor: PropertyDescriptor) => {
    extendArrayMetadata(ON_JOB_EVENT_METADATA, types, descriptor.value as Function);
    return descriptor;
  };
}

/** What `@OnJobEvent` stores on a method. @internal */
export type OnJobEventMetadata = JobEvent['type'][];
