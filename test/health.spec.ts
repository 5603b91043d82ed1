import { Controller, Get, Injectable, Module, type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { HealthCheck, HealthCheckService, TerminusModule } from '@nestjs/terminus';
import { BackgroundModule, CircuitBreaker, CircuitBreakerService, Job, JobsService, UnrecoverableError } from '../lib/index.js';
import { BackgroundHealthIndicator, BackgroundHealthModule, type BackgroundHealthThresholds } from '../lib/health/index.js';
import { RedisServer } from './support/redis-server.js';
import { eventually } from './support/test-app.js';

@Injectable()
class HealthJobs {
  @Job('echo')
  echo(data: { n: number }) {
    return data.n;
  }

  @Job('doomed', { queue: 'doomed' })
  doomed() {
    throw new UnrecoverableError('no way');
  }

  @Job('mail', { queue: 'mail' })
  @CircuitBreaker('smtp', { failureThreshold: 5, windowMs: 60_000, resetTimeoutMs: 60_000, halfOpenProbes: 1 })
  mail() {
    return true;
  }
}

/** What thresholds the next request to /health uses: set by each test. */
let thresholds: BackgroundHealthThresholds = {};

@Controller()
class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly background: BackgroundHealthIndicator,
  ) {}

  @Get('health')
  @HealthCheck()
  check() {
    return this.health.check([() => this.background.isHealthy('background', thresholds)]);
  }

  @Get('live')
  @HealthCheck()
  live() {
    return this.health.check([() => this.background.isAlive('background')]);
  }

  @Get('ready')
  @HealthCheck()
  ready() {
    return this.health.check([() => this.background.isReady('background')]);
  }
}

type HealthBody = { status: string; details: { background: Record<string, any> & { status: string } } };

describe('BackgroundHealthIndicator behind a Terminus /health controller', () => {
  let server: RedisServer;
  let app: INestApplication;
  let base: string;

  const get = async (path: string): Promise<{ status: number; body: HealthBody }> => {
    const response = await fetch(`${base}/${path}`);
    return { status: response.status, body: (await response.json()) as HealthBody };
  };

  beforeAll(async () => {
    server = await RedisServer.start();
    @Module({
      imports: [
        BackgroundModule.forRoot({ connection: server.url, prefix: 'health', queues: { default: { concurrency: 2 } }, leaseMs: 3000 }),
        TerminusModule,
        BackgroundHealthModule,
      ],
      controllers: [HealthController],
      providers: [HealthJobs],
    })
    class AppModule {}
    const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
    moduleRef.useLogger(false);
    app = moduleRef.createNestApplication({ logger: false });
    await app.listen(0, '127.0.0.1');
    base = await app.getUrl();
  });

  afterEach(() => (thresholds = {}));

  afterAll(async () => {
    await app?.close();
    await server.stop();
  });

  it('is up with Redis running: its latency, the workers, each queue', async () => {
    const { status, body } = await get('health');
    expect(status).toBe(200);
    expect(body.status).toBe('ok');
    const report = body.details.background;
    expect(report.status).toBe('up');
    expect(report.storage).toEqual({ engine: 'redis', reachable: true, latencyMs: expect.any(Number) });
    expect(Object.keys(report.workers).sort()).toEqual(['default', 'doomed', 'mail']);
    expect(report.workers.default).toEqual({ active: 0, lastTurnMsAgo: expect.any(Number) });
    expect(report.queues.default).toEqual({ waiting: 0, oldestWaitingMs: null });
    expect((await get('live')).status).toBe(200);
    expect((await get('ready')).status).toBe(200);
  });

  it('is down within 2 s of Redis stopping, and up again once it is back, with the workers working', async () => {
    await server.stop();
    const stoppedAt = Date.now();
    await eventually('/health to report down', async () => (await get('health')).status === 503, 2000);
    expect(Date.now() - stoppedAt).toBeLessThan(2000);
    const { body } = await get('health');
    expect(body.details.background.status).toBe('down');
    expect(body.details.background.storage.reachable).toBe(false);
    expect(body.details.background.problems).toEqual([expect.stringContaining('redis cannot be reached')]);
    expect((await get('ready')).status).toBe(503);
    // an outage is no reason to restart the process: its workers still turn, retrying
    expect((await get('live')).status).toBe(200);

    await server.start();
    await eventually('/health to report up again', async () => (await get('health')).status === 200, 15_000);
    const jobs = app.get(JobsService);
    const { id } = await jobs.enqueue('echo', { n: 7 });
    await expect(jobs.waitFor(id, { timeoutMs: 10_000 })).resolves.toBe(7);
  });

  it('is down, with the lag, when a queue has an old waiting job', async () => {
    const jobs = app.get(JobsService);
    await jobs.pause();
    try {
      await jobs.enqueue('echo', { n: 1 });
      thresholds = { maxWaitingMs: 200 };
      await eventually('the lag to pass 200 ms', async () => (await get('health')).status === 503, 5000);
      const report = (await get('health')).body.details.background;
      expect(report.status).toBe('down');
      expect(report.queues.default.waiting).toBe(1);
      expect(report.queues.default.oldestWaitingMs).toBeGreaterThan(200);
      expect(report.problems).toEqual([expect.stringMatching(/^queue "default": its oldest waiting job has waited \d+ ms \(limit 200 ms\)$/)]);
    } finally {
      await jobs.resume();
    }
    thresholds = { maxWaitingMs: 200 };
    await eventually('the queue to drain', async () => (await get('health')).status === 200, 5000);
  });

  it('is down when the dead-letter queue holds more than its threshold', async () => {
    const jobs = app.get(JobsService);
    const { id } = await jobs.enqueue('doomed', {});
    await expect(jobs.waitFor(id, { timeoutMs: 5000 })).rejects.toThrow('no way');
    thresholds = { maxDeadLetters: 1 };
    expect((await get('health')).status).toBe(200);
    thresholds = { maxDeadLetters: 0 };
    const { status, body } = await get('health');
    expect(status).toBe(503);
    expect(body.details.background.deadLetters).toBe(1);
    expect(body.details.background.problems).toEqual(['1 dead jobs (limit 0)']);
  });

  it('shows an open breaker: degraded (HTTP 200), or down past maxOpenBreakers', async () => {
    const breakers = app.get(CircuitBreakerService);
    await breakers.open('smtp');
    try {
      const { status, body } = await get('health');
      expect(status).toBe(200);
      expect(body.status).toBe('degraded');
      expect(body.details.background.status).toBe('degraded');
      expect(body.details.background.breakers).toEqual([{ name: 'smtp', state: 'open' }]);
      thresholds = { maxOpenBreakers: 0 };
      expect((await get('health')).status).toBe(503);
    } finally {
      await breakers.reset('smtp');
    }
    thresholds = {};
    expect((await get('health')).body.details.background.breakers).toEqual([]);
  });
});
