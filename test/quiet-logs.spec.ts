import { Injectable, type INestApplication, type LoggerService } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import {
  BackgroundModule,
  CircuitBreaker,
  CircuitBreakerService,
  Interval,
  Job,
  JobsService,
  RedisUnavailableFilter,
  type BackgroundModuleOptions,
} from '../lib/index.js';
import { RedisServer } from './support/redis-server.js';
import { eventually } from './support/test-app.js';

/** Every line the application logs, at every level, with its context. */
class CapturedLog implements LoggerService {
  readonly lines: { level: string; context: string; message: string }[] = [];
  log = (message: unknown, context?: string) => this.add('log', message, context);
  warn = (message: unknown, context?: string) => this.add('warn', message, context);
  error = (message: unknown, ...rest: unknown[]) => this.add('error', message, rest.at(-1));
  debug = (message: unknown, context?: string) => this.add('debug', message, context);
  verbose = (message: unknown, context?: string) => this.add('verbose', message, context);

  /** The lines the module wrote, as `level message`. */
  background(): string[] {
    return this.lines.filter((line) => line.context === 'Background').map((line) => `${line.level} ${line.message}`);
  }

  private add(level: string, message: unknown, context: unknown): void {
    this.lines.push({ level, context: String(context), message: message instanceof Error ? message.message : String(message) });
  }
}

@Injectable()
class MailJobs {
  static ticks = 0;

  @Job('mail.send')
  send() {
    return 'sent';
  }

  @Job('mail.bounce', { attempts: 2 })
  bounce(): never {
    throw new Error('mailbox full');
  }

  @Interval('digest', 100)
  digest() {
    MailJobs.ticks++;
  }
}

const QUICK_RETRIES = { backoff: { type: 'fixed', delayMs: 10, jitter: false } } as const;

async function start(options: BackgroundModuleOptions, log: CapturedLog, configure?: (app: INestApplication) => void): Promise<INestApplication> {
  const moduleRef = await Test.createTestingModule({
    imports: [BackgroundModule.forRoot({ defaults: QUICK_RETRIES, ...options })],
    providers: [MailJobs],
  }).compile();
  const app = moduleRef.createNestApplication({ logger: log });
  configure?.(app);
  await app.init();
  return app;
}

/** Runs a job that succeeds, one that fails twice (then is dead) and a few ticks of an interval. */
async function work(app: INestApplication): Promise<void> {
  const jobs = app.get(JobsService);
  const sent = await jobs.enqueue('mail.send', {});
  const bounced = await jobs.enqueue('mail.bounce', {});
  expect(await jobs.waitFor(sent.id, { timeoutMs: 30_000 })).toBe('sent');
  await expect(jobs.waitFor(bounced.id, { timeoutMs: 30_000 })).rejects.toThrow('mailbox full');
  const ticks = MailJobs.ticks;
  await eventually('the interval to tick twice more', () => MailJobs.ticks >= ticks + 2);
}

describe('logs', () => {
  it('of a healthy app are its start, its shutdown and its failures: no line per job or tick by default', async () => {
    const log = new CapturedLog();
    const app = await start({ storage: 'memory' }, log);
    try {
      await work(app);
    } finally {
      await app.close();
    }
    const lines = log.background();
    expect(lines.filter((line) => line.startsWith('debug') || line.startsWith('verbose'))).toEqual([]);
    expect(lines).toContain('log Working on queue "default"');
    expect(lines.some((line) => line.startsWith('warn Job mail.bounce') && line.includes('mailbox full; retrying in'))).toBe(true);
    expect(lines.some((line) => line.startsWith('error Job mail.bounce') && line.includes('it is dead'))).toBe(true);
    expect(lines.some((line) => line.startsWith('log Workers stopped in'))).toBe(true);
  });

  it('tell of each job and tick run with logJobs: true', async () => {
    const log = new CapturedLog();
    const app = await start({ storage: 'memory', logJobs: true }, log);
    try {
      await work(app);
    } finally {
      await app.close();
    }
    const lines = log.background();
    expect(lines.some((line) => /^debug Job mail.send \(.+\) started, attempt 1\/3/.test(line))).toBe(true);
    expect(lines.some((line) => /^debug Job mail.send \(.+\) completed in \d+ ms$/.test(line))).toBe(true);
    expect(lines.some((line) => /^debug Job schedule:digest \(.+\) completed in \d+ ms$/.test(line))).toBe(true);
    expect(lines.some((line) => line.startsWith('warn Job mail.bounce'))).toBe(true);
  });

  it('of a failed job have no ExceptionsHandler line when RedisUnavailableFilter is a global filter: it acts on HTTP only', async () => {
    const log = new CapturedLog();
    const app = await start({ storage: 'memory' }, log, (app) => app.useGlobalFilters(new RedisUnavailableFilter(app.get(HttpAdapterHost))));
    try {
      const jobs = app.get(JobsService);
      const { id } = await jobs.enqueue('mail.bounce', {});
      await expect(jobs.waitFor(id, { timeoutMs: 30_000 })).rejects.toThrow('mailbox full');
      expect((await jobs.getJob(id))!.errors.map((error) => error.message)).toEqual(['mailbox full', 'mailbox full']);
    } finally {
      await app.close();
    }
    expect(log.lines.filter((line) => line.context === 'ExceptionsHandler')).toEqual([]);
  });
});

@Injectable()
class SmtpJobs {
  @Job('smtp.send', { attempts: 1000 })
  @CircuitBreaker('smtp', { failureThreshold: 2, windowMs: 60_000, resetTimeoutMs: 100, halfOpenProbes: 1 })
  send(): never {
    throw new Error('smtp down');
  }
}

describe.each(['memory', 'redis'] as const)('a breaker reopened by a failed probe: %s engine', (storage) => {
  let server: RedisServer | undefined;
  beforeAll(async () => {
    if (storage === 'redis') server = await RedisServer.start();
  });
  afterAll(async () => server?.stop());

  it('says it reopened because its probe failed, not that it opened after its failures', async () => {
    const log = new CapturedLog();
    const moduleRef = await Test.createTestingModule({
      imports: [BackgroundModule.forRoot({ storage, connection: server?.url, prefix: 'quiet', defaults: QUICK_RETRIES })],
      providers: [SmtpJobs],
    }).compile();
    const app = moduleRef.createNestApplication({ logger: log });
    await app.init();
    try {
      await app.get(JobsService).enqueue('smtp.send', {});
      // each failed probe opens it again, from then
      const openings = new Set<number>();
      await eventually('the breaker to open, then a probe to fail twice', async () => {
        const openedAt = (await app.get(CircuitBreakerService).list())[0]!.openedAt;
        if (openedAt) openings.add(openedAt.getTime());
        return openings.size >= 3;
      });
    } finally {
      await app.close();
    }
    const lines = log.background().filter((line) => line.includes('Circuit breaker "smtp"'));
    expect(lines.filter((line) => line.includes('opened after'))).toEqual([
      'warn Circuit breaker "smtp" opened after 2 failure(s) within 60000 ms: jobs behind it wait in the queue without using attempts; probes run in 100 ms.',
    ]);
    expect(lines).toContain('warn Circuit breaker "smtp" reopened: its probe failed; jobs behind it wait, the next probe runs in 100 ms.');
  });
});
