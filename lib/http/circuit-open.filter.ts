import { Catch, Injectable, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { CircuitOpenError } from '../errors/circuit-open.error.js';
import { replyServiceUnavailable } from './service-unavailable.reply.js';

/**
 * Answers an HTTP request whose `breakers.run(name, fn)` found the breaker open with 503 Service
 * Unavailable, and `Retry-After` when the breaker says when it lets a probe through, instead of a
 * 500: the dependency is failing for now, and the request may be sent again. The body does not
 * name the breaker (an internal dependency); the log does, at debug. Other contexts (jobs,
 * microservices) get the error as it was.
 *
 * ```ts
 * app.useGlobalFilters(new CircuitOpenFilter(app.get(HttpAdapterHost)));
 * // or, in a module: providers: [{ provide: APP_FILTER, useClass: CircuitOpenFilter }]
 * ```
 * @publicApi
 */
@Catch(CircuitOpenError)
@Injectable()
export class CircuitOpenFilter implements ExceptionFilter<CircuitOpenError> {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  catch(error: CircuitOpenError, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw error;
    // at least a second: a Retry-After of 0 invites a client to retry in a loop
    const retryAfter = error.retryInMs === undefined ? undefined : Math.max(1, Math.ceil(error.retryInMs / 1000));
    replyServiceUnavailable(this.adapterHost, host, error, 'A service this request needs is failing right now; try again shortly.', retryAfter);
  }
}
