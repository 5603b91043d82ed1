import { Injectable, type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { jest } from '@jest/globals';
import { Cron as PeerCron, CronExpression as PeerCronExpression, Interval as PeerInterval, Timeout as PeerTimeout } from '@nestjs/schedule';
import { BackgroundModule, Cron, Interval, Timeout, type BackgroundModuleOptions } from '../lib/index.js';
import { RedisServer } from './support/redis-server.js';

// A user's unit tests written for @nestjs/schedule, with jest.useFakeTimers() (Jest 30's defaults:
// Date, setTimeout, setInterval, setImmediate, process.nextTick, queueMicrotask, performance are all
// faked) and advanceTimersByTimeAsync: on the memory engine they drive the ticks.

const START = Date.UTC(2020, 0, 1); // 2020-01-01T00:00:00.000Z, a whole second, minute and hour

@Injectable()
class OurSchedules {
  readonly calls = { interval: 0, cron: 0, timeout: 0 };
  @Interval(1000) interval() {
    this.calls.interval++;
  }
  @Cron('*/2 * * * * *') cron() {
    this.calls.cron++;
  }
  @Timeout(2500) timeout() {
    this.calls.timeout++;
  }
}

@Injectable()
class PeerSchedules {
  readonly calls = { interval: 0, cron: 0, timeout: 0, delayed: 0 };
  @PeerInterval(1000) interval() {
    this.calls.interval++;
  }
  @PeerCron('*/2 * * * * *', { name: 'peer-cron', utcOffset: 0 }) cron() {
    this.calls.cron++;
  }
  @PeerTimeout('peer-timeout', 2500) timeout() {
    this.calls.timeout++;
  }
  @PeerCron('* * * * * *', { name: 'peer-delayed', initialDelay: 5000 }) delayed() {
    this.calls.delayed++;
  }
}

async function compile(options: BackgroundModuleOptions, provider: Function): Promise<INestApplication> {
  const moduleRef = await Test.createTestingModule({ imports: [BackgroundModule.forRoot(options)], providers: [provider as never] }).compile();
  return moduleRef.createNestApplication({ logger: false });
}

describe('fake timers on the memory engine', () => {
  let app: INestApplication | undefined;
  afterEach(async () => {
    // closed under the fake clock, as a user's afterEach does, before the timers are restored
    await app?.close();
    app = undefined;
    jest.useRealTimers();
  });

  it.each([
    ['ours', OurSchedules],
    ['@nestjs/schedule', PeerSchedules],
  ] as const)('advanceTimersByTimeAsync runs %s @Interval, @Cron and @Timeout ticks, each on its due time', async (_, provider) => {
    app = await compile({ storage: 'memory' }, provider);
    // as @nestjs/schedule's own tests do: faked after compile, before init
    jest.useFakeTimers({ now: START });
    await app.init();
    const { calls } = app.get<{ calls: Record<string, number> }>(provider as never);
    expect(calls).toMatchObject({ interval: 0, cron: 0, timeout: 0 });
    await jest.advanceTimersByTimeAsync(1000);
    expect(calls).toMatchObject({ interval: 1, cron: 0, timeout: 0 });
    await jest.advanceTimersByTimeAsync(1000);
    expect(calls).toMatchObject({ interval: 2, cron: 1, timeout: 0 });
    await jest.advanceTimersByTimeAsync(1000);
    expect(calls).toMatchObject({ interval: 3, cron: 1, timeout: 1 });
    await jest.advanceTimersByTimeAsync(7000);
    expect(calls).toMatchObject({ interval: 10, cron: 5, timeout: 1 });
  });

  it('one advance over several periods runs every tick, each at its due time by the faked clock, the last one included', async () => {
    const at: number[] = [];
    @Injectable()
    class EverySecond {
      @PeerCron(PeerCronExpression.EVERY_SECOND, { name: 'every-second' }) tick() {
        at.push(Date.now() - START);
      }
    }
    app = await compile({ storage: 'memory' }, EverySecond);
    jest.useFakeTimers({ now: START });
    await app.init();
    await jest.advanceTimersByTimeAsync(3000);
    expect(at).toEqual([1000, 2000, 3000]);
  });

  it('initialDelay holds the first tick of an adopted @Cron until it is over', async () => {
    app = await compile({ storage: 'memory' }, PeerSchedules);
    jest.useFakeTimers({ now: START });
    await app.init();
    const { calls } = app.get(PeerSchedules);
    await jest.advanceTimersByTimeAsync(5000);
    expect(calls.delayed).toBe(0);
    await jest.advanceTimersByTimeAsync(1000);
    expect(calls.delayed).toBe(1);
    await jest.advanceTimersByTimeAsync(3000);
    expect(calls.delayed).toBe(4);
  });

  it('fake timers switched on before the module is compiled drive the ticks too', async () => {
    jest.useFakeTimers({ now: START });
    app = await compile({ storage: 'memory' }, OurSchedules);
    await app.init();
    const { calls } = app.get(OurSchedules);
    await jest.advanceTimersByTimeAsync(4000);
    expect(calls).toMatchObject({ interval: 4, cron: 2, timeout: 1 });
  });
});

describe('fake timers on the Redis engine', () => {
  let server: RedisServer;
  let app: INestApplication | undefined;
  beforeAll(async () => (server = await RedisServer.start()));
  afterEach(async () => {
    jest.useRealTimers();
    await app?.close();
    app = undefined;
  });
  afterAll(() => server.stop());

  it('app.init() fails at once, naming the fix, instead of hanging', async () => {
    app = await compile({ connection: server.url, prefix: 'fake' }, OurSchedules);
    jest.useFakeTimers({ now: START });
    const started = performance.now();
    await expect(app.init()).rejects.toThrow(
      "BackgroundModule cannot use Redis under fake timers (jest.useFakeTimers() replaced setTimeout): Redis keeps its own clock, which fake time does not move, and the connection waits on the timers they stop. In a test with fake timers use BackgroundModule.forRoot({ storage: 'memory' }), whose clock and timers follow them, or call jest.useRealTimers() before app.init().",
    );
    expect(performance.now() - started).toBeLessThan(5000);
  });

  it('a module compiled under fake timers fails at once too, naming the replaced timer', async () => {
    jest.useFakeTimers({ now: START, doNotFake: ['setTimeout'] });
    await expect(compile({ connection: server.url, prefix: 'fake' }, OurSchedules)).rejects.toThrow(
      'BackgroundModule cannot use Redis under fake timers (jest.useFakeTimers() replaced setImmediate)',
    );
  });
});
