import { Catch, Injectable, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { RedisUnavailableError } from '../errors/redis-unavailable.error.js';

/** Seconds a client is asked to wait before it tries again. */
const RETRY_AFTER_SECONDS = 5;

/**
 * Answers an HTTP request that failed because Redis could not be reached with 503 Service
 * Unavailable and `Retry-After`, instead of a 500: the outage is temporary and the request may be
 * sent again. The body does not name the Redis address; the log does (debug: the connection
 * already tells of the outage once). Other contexts (jobs, microservices) get the error as it was.
 *
 * ```ts
 * app.useGlobalFilters(new RedisUnavailableFilter(app.get(HttpAdapterHost)));
 * // or, in a module: providers: [{ provide: APP_FILTER, useClass: RedisUnavailableFilter }]
 * ```
 * @publicApi
 */
@Catch(RedisUnavailableError)
@Injectable()
export class RedisUnavailableFilter implements ExceptionFilter<RedisUnavailableError> {
  private readonly logger = new Logger('Background');

  constructor(private readonly adapterHost: HttpAdapterHost) {}

  catch(error: RedisUnavailableError, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw error;
    this.logger.debug(`Answered 503 to a request: ${error.message}`);
    const { httpAdapter } = this.adapterHost;
    const response = host.switchToHttp().getResponse();
    httpAdapter.setHeader(response, 'Retry-After', String(RETRY_AFTER_SECONDS));
    httpAdapter.reply(
      response,
      { statusCode: 503, error: 'Service Unavailable', message: 'Background job storage is unreachable right now; try again shortly.' },
      503,
    );
  }
}
