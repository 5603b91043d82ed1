import { Body, Controller, Injectable, Module, Post } from '@nestjs/common';
import { HttpAdapterHost, NestFactory } from '@nestjs/core';
import { BackgroundModule, Job, JobsService, RedisUnavailableFilter } from '../lib/index.js';
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
