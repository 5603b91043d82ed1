import type { ParamsFactory } from '@nestjs/core/helpers/external-context-creator.js';

/**
 * How the two arguments of a handler, `(data, ctx)`, reach Nest's pipes. The numbers are
 * Nest's `RouteParamtypes`, which pipes receive as strings: the payload is `'body'`, so
 * `ValidationPipe` validates it against the parameter's class; the context is `'custom'`,
 * which `ValidationPipe` leaves alone (as microservices do with `@Payload()` and `@Ctx()`).
 */
export enum JobParamtype {
  PAYLOAD = 3,
  CONTEXT = 6,
}

/** The parameter metadata `@Job` declares for its method, in the shape Nest's parameter decorators store. */
export const JOB_ARGS = {
  [`${JobParamtype.PAYLOAD}:0`]: { index: 0, pipes: [] },
  [`${JobParamtype.CONTEXT}:1`]: { index: 1, pipes: [] },
};

/** Picks a handler's payload or context out of the arguments its wrapped method was called with. */
export class BackgroundParamsFactory implements ParamsFactory {
  exchangeKeyForValue(type: number, _data: unknown, args: unknown[]): unknown {
    return type === JobParamtype.PAYLOAD ? args[0] : args[1];
  }
}
