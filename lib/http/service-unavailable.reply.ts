import { Logger, type ArgumentsHost } from '@nestjs/common';
import type { HttpAdapterHost } from '@nestjs/core';

const logger = new Logger('Background');

/**
 * Answers the HTTP request of `host` with 503 Service Unavailable and `message`, and with
 * `Retry-After` when given. The log names what failed (at debug), the body does not: it is internal.
 */
export function replyServiceUnavailable(
  adapterHost: HttpAdapterHost,
  host: ArgumentsHost,
  error: Error,
  message: string,
  retryAfterSeconds?: number,
): void {
  logger.debug(`Answered 503 to a request: ${error.message}`);
  const { httpAdapter } = adapterHost;
  const response = host.switchToHttp().getResponse();
  if (retryAfterSeconds !== undefined) httpAdapter.setHeader(response, 'Retry-After', String(retryAfterSeconds));
  httpAdapter.reply(response, { statusCode: 503, error: 'Service Unavailable', message }, 503);
}
