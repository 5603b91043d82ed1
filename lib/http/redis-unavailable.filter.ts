import { Catch, Injectable, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { RedisUnavailableError } from '../errors/redis-unavailable.error.js';
import { replyServiceUnavailable } from './service-unavailable.reply.js';

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
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  catch(error: RedisUnavailableError, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw error;
    replyServiceUnavailable(this.adapterHost, host, error, 'Background job storage is unreachable right now; try again shortly.', RETRY_AFTER_SECONDS);
  }
}
