import { ForbiddenException, Injectable } from '@nestjs/common';
import {
  EXCEPTION_FILTERS_METADATA,
  GUARDS_METADATA,
  INTERCEPTORS_METADATA,
  PIPES_METADATA,
} from '@nestjs/common/constants.js';
import { ExternalContextCreator, ModuleRef } from '@nestjs/core';
import { ExternalExceptionFilterContext } from '@nestjs/core/exceptions/external-exception-filter-context.js';
import type { ExternalExceptionsHandler } from '@nestjs/core/exceptions/external-exceptions-handler.js';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host.js';
import type { NestContainer } from '@nestjs/core/injector/container.js';
import { JOB_ARGS_METADATA } from './background.constants.js';
import { GUARD_REFUSED } from './background.messages.js';
import { BackgroundParamsFactory } from './background-params.factory.js';
import { JobForbiddenError } from './errors/job-forbidden.error.js';
import type { JobContext } from './interfaces/job-context.interface.js';

/**
 * What `ExecutionContext.getType()` (and `ArgumentsHost.getType()`) returns in a guard,
 * interceptor, pipe or exception filter that runs for a `@Job` handler.
 * @publicApi
 */
export type BackgroundContextType = 'background';

const CONTEXT_TYPE: BackgroundContextType = 'background';

/** The message of the `ForbiddenException` Nest throws when a guard returns false. */
const FORBIDDEN_MESSAGE = 'Forbidden resource';

const ENHANCER_KEYS = [GUARDS_METADATA, INTERCEPTORS_METADATA, PIPES_METADATA, EXCEPTION_FILTERS_METADATA];

type Handler = (data: unknown, ctx: JobContext) => unknown;

/**
 * Runs `@Job` methods through Nest's enhancers (`@UseGuards`, `@UseInterceptors`, `@UsePipes`,
 * `@UseFilters`, on the method or its class, and the application's global ones), the way
 * `@nestjs/graphql` runs resolvers: each method is wrapped once, at discovery. A method that no
 * enhancer applies to is called directly, and pays nothing per job.
 */
@Injectable()
export class BackgroundContextCreator {
  private readonly paramsFactory = new BackgroundParamsFactory();

  constructor(
    private readonly contextCreator: ExternalContextCreator,
    private readonly moduleRef: ModuleRef,
  ) {}

  /**
   * What the worker calls to run the job `name` on `instance[method]`; `target` is `Class@method`, for messages.
   * Without `withContext` the method gets the data alone, as a method written for `@nestjs/event-emitter` expects.
   */
  create(instance: Record<string, Handler>, method: string, target: string, name: string, withContext = true): Handler {
    const callback = instance[method]!;
    const container = this.container();
    const global = this.globalEnhancers(container);
    // the class of the instance, as Nest reads class enhancers (the provider's metatype may be a factory)
    const applies = (key: string) =>
      global.has(key) || hasEnhancers(key, instance.constructor) || hasEnhancers(key, callback);
    if (!ENHANCER_KEYS.some(applies)) {
      return withContext ? (data, ctx) => instance[method]!(data, ctx) : (data) => (instance[method] as (data: unknown) => unknown)(data);
    }
    const run = this.contextCreator.create(
      instance,
      callback as (...args: unknown[]) => unknown,
      method,
      JOB_ARGS_METADATA,
      this.paramsFactory,
      undefined,
      undefined,
      // the filters run below: Nest's own step hands what no filter handled to a fallback filter
      // that logs it as ERROR [ExceptionsHandler] with its stack, beside the worker's warning
      { guards: true, interceptors: true, filters: false },
      CONTEXT_TYPE,
    );
    const filters = applies(EXCEPTION_FILTERS_METADATA)
      ? new ExternalExceptionFilterContext(container, container.applicationConfig).create(
          instance,
          callback as Parameters<ExternalExceptionFilterContext['create']>[1],
          this.contextCreator.getContextModuleKey(instance.constructor),
        )
      : undefined;
    // always a promise: Nest turns an interceptor's Observable into its last value
    return (data, ctx) => {
      const args = withContext ? [data, ctx] : [data];
      return run(...args)
        .catch((error: unknown) => (filters ? filter(filters, error, args) : Promise.reject(error)))
        .catch((error: unknown) => {
          throw isGuardRefusal(error) ? new JobForbiddenError(GUARD_REFUSED(target, name)) : error;
        });
    };
  }

  /**
   * Which kinds of global enhancer the application has (`app.useGlobalGuards()` and the like,
   * `APP_GUARD` providers). They apply to job handlers too, as they do to GraphQL resolvers and
   * message handlers: an application with a global `ValidationPipe` or logging interceptor
   * expects it to run wherever Nest calls its code. So any global enhancer wraps every handler.
   * Request-scoped global enhancers are left out, as Nest leaves them out of every context
   * that has no request.
   */
  private globalEnhancers(container: NestContainer): Set<string> {
    const config = container.applicationConfig;
    const global = new Set<string>();
    if (!config) return global;
    if (config.getGlobalGuards().length) global.add(GUARDS_METADATA);
    if (config.getGlobalInterceptors().length) global.add(INTERCEPTORS_METADATA);
    if (config.getGlobalPipes().length) global.add(PIPES_METADATA);
    if (config.getGlobalFilters().length) global.add(EXCEPTION_FILTERS_METADATA);
    return global;
  }

  /** Nest gives no provider the application config (nor the filters' context): the container behind ModuleRef holds it. */
  private container(): NestContainer {
    return (this.moduleRef as unknown as { container: NestContainer }).container;
  }
}

/**
 * What the job's exception filters make of its error, as Nest's filter step for an external
 * context does, but silent: what a filter returns is the job's result, what it throws is the job's
 * error, and an error no filter handled fails the job as it was (the worker warns of it once).
 */
async function filter(filters: ExternalExceptionsHandler, error: unknown, args: unknown[]): Promise<unknown> {
  const host = new ExecutionContextHost(args);
  host.setType(CONTEXT_TYPE);
  // not awaited before the test, as Nest does: an async catch() handles every error it does not throw
  const handled: unknown = filters.invokeCustomFilters(error, host);
  if (handled === undefined) throw error;
  return handled;
}

function hasEnhancers(key: string, target: Function): boolean {
  const enhancers: unknown[] | undefined = Reflect.getMetadata(key, target);
  return !!enhancers?.length;
}

/** What Nest throws when a guard returns false. */
function isGuardRefusal(error: unknown): boolean {
  return error instanceof ForbiddenException && error.message === FORBIDDEN_MESSAGE;
}
