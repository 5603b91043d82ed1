import { SetMetadata, applyDecorators } from '@nestjs/common';
import { JOB_ARGS_METADATA, JOB_METADATA } from '../background.constants.js';
import { JOB_ARGS } from '../background-params.factory.js';
import type { JobContext } from '../interfaces/job-context.interface.js';
import type { JobOptions } from '../interfaces/job-options.interface.js';
import { jobName, type JobDefinition } from '../job.definition.js';

export interface JobMetadata {
  name: string;
  options: JobOptions;
}

type Handler<TData, TResult> = (data: TData, ctx: JobContext) => TResult | Promise<TResult>;

/**
 * Marks a method of a provider as the handler of jobs named `name` (a request-scoped provider gets an instance of its own
 * per job, whose `REQUEST` is the payload).
 * With a `defineJob` definition, the method's payload and result types are checked against it.
 * @publicApi
 */
export function Job<TData, TResult>(
  definition: JobDefinition<TData, TResult>,
  options?: JobOptions,
): <M extends Handler<TData, TResult>>(target: object, key: string | symbol, descriptor: TypedPropertyDescriptor<M>) => void;
export function Job(name: string, options?: JobOptions): MethodDecorator;
export function Job(job: string | JobDefinition<any, any>, options: JobOptions = {}): MethodDecorator {
  return applyDecorators(
    SetMetadata<string, JobMetadata>(JOB_METADATA, { name: jobName(job), options }),
    // where parameter decorators put theirs, so that pipes (@UsePipes) reach the payload
    (target: object, key: string | symbol) => Reflect.defineMetadata(JOB_ARGS_METADATA, JOB_ARGS, target.constructor, key),
  );
}
