import { Catch, Injectable, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { CircuitOpenError } from '../errors/circuit-open.error.js';

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
  private readonly logger = new Logger('Background');

  constructor(private readonly adapterHost: HttpAdapterHost) {}

  catch(error: CircuitOpenError, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw error;
    this.logger.debug(`Answered 503 to a request: ${error.message}`);
    const { httpAdapter } = this.adapterHost;
    const response = host.switchToHttp().getResponse();
    // at least a second: a Retry-After of 0 invites a client to retry in a loop
    if (error.retryInMs !== undefined) httpAdapter.setHeader(response, 'Retry-After', String(Math.max(1, Math.ceil(error.retryInMs / 1000))));
    httpAdapter.reply(
      response,
      { statusCode: 503, error: 'Service Unavailable', message: 'A service this request needs is failing right now; try again shortly.' },
      503,
    );
  }
}
