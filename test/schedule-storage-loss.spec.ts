import { Injectable } from '@nestjs/common';
import { Interval } from '../lib/index.js';
import { RedisServer } from './support/redis-server.js';
import { createTestApp, eventually, type TestApp } from './support/test-app.js';

@Injectable()
class Ticker {
  static ticks = 0;

  @Interval('lost-and-found', 300)
  tick() {
    Ticker.ticks++;
  }
}

describe('a schedule declared in code whose storage was lost', () => {
  let server: RedisServer;
  let app: TestApp | undefined;
  beforeAll(async () => (server = await RedisServer.start()));
  afterEach(() => app?.close());
  afterAll(() => server.stop());

  it('keeps ticking after Redis lost every key (a flush, or a failover to an empty replica)', async () => {
    app = await createTestApp({ connection: server.url, prefix: 'lost' }, [Ticker]);
    await eventually('three ticks', () => Ticker.ticks >= 3, 5000);
    const redis = server.client();
    await redis.flushall();
    await redis.quit();
    const before = Ticker.ticks;
    await eventually('five more ticks', () => Ticker.ticks - before >= 5, 5000);
  });
});
