import { Body, Controller, Injectable, Module, Post, type INestApplication } from '@nestjs/common';
import { HttpAdapterHost, NestFactory } from '@nestjs/core';
import {
  BackgroundModule,
  CircuitBreaker,
  CircuitBreakerService,
  CircuitOpenFilter,
  Job,
  JobsService,
  RedisUnavailableFilter,
  type BackgroundModuleOptions,
} from '../lib/index.js';
import { RedisServer } from './support/redis-server.js';
import { eventually } from './support/test-app.js';

@Injectable()
class MailJobs {
  @Job('mail.send')
  send() {}
}

@Controller('mail')
class MailController {
  constructor(private readonly jobs: JobsService) {}

  @Post()
  send(@Body() body: object) {
    return this.jobs.enqueue('mail.send', body);
  }
}

describe('RedisUnavailableFilter', () => {
  it('answers a request that met a Redis outage with 503 and Retry-After, and 201 again once Redis is back', async () => {
    const server = await RedisServer.start();
    @Module({
      imports: [BackgroundModule.forRoot({ connection: server.url, prefix: 'http', workers: false, enqueueTimeoutMs: 300 })],
      controllers: [MailController],
      providers: [MailJobs],
    })
    class AppModule {}
    const app = await NestFactory.create(AppModule, { logger: false });
    app.useGlobalFilters(new RedisUnavailableFilter(app.get(HttpAdapterHost)));
    await app.listen(0, '127.0.0.1');
    const url = `${await app.getUrl()}/mail`;
    const post = () =>
      fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ to: 'a@example.com' }),
      });
    try {
      expect((await post()).status).toBe(201);
      await server.stop('SIGKILL');
      const down = await post();
      expect(down.status).toBe(503);
      expect(down.headers.get('retry-after')).toBe('5');
      expect(await down.json()).toEqual({
        statusCode: 503,
        error: 'Service Unavailable',
        message: 'Background job storage is unreachable right now; try again shortly.',
      });
      await server.start();
      // the client reconnects with backoff; requests made before it is back get 503 the same way
      await eventually('a request to succeed after Redis came back', async () => (await post()).status === 201);
    } finally {
      await app.close();
      await server.stop();
    }
  });
});

@Injectable()
class PartnerJobs {
  @Job('partner.sync')
  @CircuitBreaker('partner', { failureThreshold: 2, resetTimeoutMs: 120_000 })
  sync() {}
}

@Controller('partner')
class PartnerController {
  constructor(private readonly breakers: CircuitBreakerService) {}

  /** Calls the partner, which is down, through its breaker. */
  @Post()
  call() {
    return this.breakers.run('partner', () => {
      throw new Error('partner is down');
    });
  }
}

describe.each([
  ['memory', false],
  ['Redis', true],
])('CircuitOpenFilter, on the %s engine', (_engine, onRedis) => {
  let server: RedisServer | undefined;
  let app: INestApplication;
  let post: () => Promise<Response>;

  beforeAll(async () => {
    server = onRedis ? await RedisServer.start() : undefined;
    const options: BackgroundModuleOptions = server ? { connection: server.url, prefix: 'breaker-http' } : { storage: 'memory' };
    @Module({ imports: [BackgroundModule.forRoot(options)], controllers: [PartnerController], providers: [PartnerJobs] })
    class AppModule {}
    app = await NestFactory.create(AppModule, { logger: false });
    app.useGlobalFilters(new CircuitOpenFilter(app.get(HttpAdapterHost)));
    await app.listen(0, '127.0.0.1');
    const url = `${await app.getUrl()}/partner`;
    post = () => fetch(url, { method: 'POST' });
  });
  afterAll(async () => {
    await app?.close();
    await server?.stop();
  });

  it('answers a call through an open breaker with 503 and Retry-After, not 500', async () => {
    // the two failures that open it are the partner's own errors
    expect((await post()).status).toBe(500);
    expect((await post()).status).toBe(500);
    const open = await post();
    expect(open.status).toBe(503);
    // about the 120 s until a probe, whatever time the calls took
    expect(Number(open.headers.get('retry-after'))).toBeGreaterThan(60);
    expect(Number(open.headers.get('retry-after'))).toBeLessThanOrEqual(120);
    expect(await open.json()).toEqual({
      statusCode: 503,
      error: 'Service Unavailable',
      message: 'A service this request needs is failing right now; try again shortly.',
    });
  });

  it('answers 503 without Retry-After while the breaker is open by hand, and calls again once it is reset', async () => {
    const breakers = app.get(CircuitBreakerService);
    await breakers.open('partner');
    const open = await post();
    expect(open.status).toBe(503);
    expect(open.headers.get('retry-after')).toBeNull();
    await breakers.reset('partner');
    expect((await post()).status).toBe(500);
  });
});
