import { ValidationPipe, type INestApplication } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { CircuitOpenFilter, RedisUnavailableFilter } from '../lib/index.js';

/** What main.ts does to the app before it listens, shared with the e2e tests. */
export function setUpApp(app: INestApplication): INestApplication {
  // bad bodies get 400 naming the field; unknown fields are refused
  app.useGlobalPipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true }));
  // a Redis outage is 503 with Retry-After, not 500
  // so is a call through an open circuit breaker (breakers.run)
  app.useGlobalFilters(new RedisUnavailableFilter(app.get(HttpAdapterHost)), new CircuitOpenFilter(app.get(HttpAdapterHost)));
  app.enableShutdownHooks();
  return app;
}
