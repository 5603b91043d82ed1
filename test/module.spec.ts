import { Injectable, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import {
  BackgroundModule,
  CircuitBreaker,
  Cron,
  Interval,
  DuplicateHandlerError,
  InvalidOptionsError,
  Job,
  JobsService,
  Retry,
  Timeout,
  type BackgroundModuleAsyncOptions,
  type JobContext,
} from '../lib/index.js';
import { RedisServer } from './support/redis-server.js';
import { createTestApp, deferred } from './support/test-app.js';

@Injectable()
class BillingJobs {
  @Job('invoice.send')
  send() {
    return 'billing';
  }
}

@Injectable()
class LegacyBillingJobs {
  @Job('invoice.send')
  sendAgain() {
    return 'legacy';
  }
}

async function bootstrap(providers: any[]) {
  const moduleRef = await Test.createTestingModule({
    imports: [BackgroundModule.forRoot({ storage: 'memory' })],
    providers,
  }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  try {
    await app.init();
  } finally {
    await app.close();
  }
}

describe('BackgroundModule', () => {
  it('fails the bootstrap when two handlers share a name, naming both', async () => {
    const failure = bootstrap([BillingJobs, LegacyBillingJobs]);
    await expect(failure).rejects.toThrow(DuplicateHandlerError);
    await expect(failure).rejects.toThrow(
      'Two handlers are registered for job "invoice.send": BillingJobs@send and LegacyBillingJobs@sendAgain. Give one of them another name, or remove one @Job decorator.',
    );
  });

  it('refuses unknown @Job options at bootstrap', async () => {
    @Injectable()
    class Typo {
      @Job('typo', { concurency: 2 } as never)
      run() {}
    }
    await expect(bootstrap([Typo])).rejects.toThrow(
      `Unknown option "concurency" in @Job('typo') on Typo@run. Valid options are: queue, concurrency, priority, timeoutMs, attempts, rateLimit.`,
    );
  });

  it('refuses @Retry without @Job on the same method, naming the method', async () => {
    @Injectable()
    class Orphan {
      @Retry({ attempts: 5 })
      run() {}
    }
    const failure = bootstrap([Orphan]);
    await expect(failure).rejects.toThrow(InvalidOptionsError);
    await expect(failure).rejects.toThrow(
      "@Retry() on Orphan@run has no @Job on the same method, so nothing would ever be retried. Put @Job('name') beside it, or remove @Retry().",
    );
  });

  it('refuses @CircuitBreaker without @Job, or with a bad name or option, naming the method', async () => {
    @Injectable()
    class Orphan {
      @CircuitBreaker('smtp')
      run() {}
    }
    await expect(bootstrap([Orphan])).rejects.toThrow(
      "@CircuitBreaker() on Orphan@run has no @Job on the same method, so no job would ever run behind it. Put @Job('name') beside it, or call breakers.run(name, fn) from the method instead.",
    );
    @Injectable()
    class Spaced {
      @Job('spaced')
      @CircuitBreaker('smtp server')
      run() {}
    }
    await expect(bootstrap([Spaced])).rejects.toThrow(
      `@CircuitBreaker() on Spaced@run needs a name of letters, digits, "_", ".", ":" or "-" (at most 100), naming the dependency it guards, e.g. 'smtp'; got "smtp server".`,
    );
    @Injectable()
    class Zero {
      @Job('zero')
      @CircuitBreaker('smtp', { failureThreshold: 0 })
      run() {}
    }
    await expect(bootstrap([Zero])).rejects.toThrow(
      `Invalid @CircuitBreaker('smtp') on Zero@run option "failureThreshold": expected an integer of at least 1, got 0.`,
    );
  });

  it('refuses two handlers that share a breaker with different options or queues', async () => {
    @Injectable()
    class Mail {
      @Job('mail')
      @CircuitBreaker('smtp', { failureThreshold: 3 })
      send() {}

      @Job('receipt')
      @CircuitBreaker('smtp', { failureThreshold: 5 })
      receipt() {}

      @Job('digest', { queue: 'bulk' })
      @CircuitBreaker('smtp', { failureThreshold: 3 })
      digest() {}
    }
    const failure = bootstrap([Mail]);
    await expect(failure).rejects.toThrow(InvalidOptionsError);
    await expect(failure).rejects.toThrow(
      "@CircuitBreaker('smtp') on Mail@receipt differs from the one on Mail@send (options failureThreshold). Handlers that share a breaker share its state, so give them the same options (a shared constant) and put them in the same queue, or name the breakers apart.",
    );
  });

  it('refuses a rateLimit without max and perMs, or with zero, naming where it was given', async () => {
    @Injectable()
    class Limited {
      @Job('limited', { rateLimit: { max: 10 } as never })
      run() {}
    }
    await expect(bootstrap([Limited])).rejects.toThrow(
      `Invalid @Job('limited') on Limited@run option "rateLimit": expected both max and perMs, e.g. { max: 100, perMs: 1000 }, got object.`,
    );
    await expect(createTestApp({ storage: 'memory', queues: { mail: { rateLimit: { max: 0, perMs: 1000 } } } })).rejects.toThrow(
      'Invalid BackgroundModule.forRoot() queues.mail option "rateLimit.max": expected an integer of at least 1, got 0.',
    );
  });

  it('refuses bad @Retry options at bootstrap', async () => {
    @Injectable()
    class Linear {
      @Job('linear')
      @Retry({ backoff: { type: 'linear' as never } })
      run() {}
    }
    await expect(bootstrap([Linear])).rejects.toThrow(
      `Invalid @Retry() on Linear@run option "backoff.type": expected 'fixed' or 'exponential', got "linear".`,
    );
    @Injectable()
    class Zero {
      @Job('zero')
      @Retry({ attempts: 0 })
      run() {}
    }
    await expect(bootstrap([Zero])).rejects.toThrow(`Invalid @Retry() on Zero@run option "attempts": expected an integer from 1 to 10000, got 0.`);
  });

  it('refuses @Job with an empty name at bootstrap, naming the method', async () => {
    @Injectable()
    class Nameless {
      @Job('')
      run() {}
    }
    const failure = bootstrap([Nameless]);
    await expect(failure).rejects.toThrow(InvalidOptionsError);
    await expect(failure).rejects.toThrow(
      '@Job() on Nameless@run needs a job name (a non-empty string) or a definition made with defineJob().',
    );
  });

  it('refuses @Job with a name holding a NUL character at bootstrap, naming the method', async () => {
    @Injectable()
    class Nul {
      @Job('a\0b')
      run() {}
    }
    await expect(bootstrap([Nul])).rejects.toThrow('@Job() on Nul@run: the job name "a\\u0000b" holds a NUL character');
  });

  it('refuses invalid cron expressions and time zones, non-positive intervals and duplicate schedule names, naming the method', async () => {
    @Injectable()
    class BadCron {
      @Cron('every day at noon')
      run() {}
    }
    await expect(bootstrap([BadCron])).rejects.toThrow(InvalidOptionsError);
    await expect(bootstrap([BadCron])).rejects.toThrow(
      `@Cron() on BadCron@run: "every day at noon" is not a valid cron expression (Unknown alias: eve). Write five fields (minute hour day-of-month month day-of-week) or six with seconds first, e.g. '0 */5 * * * *', or use a CronExpression value.`,
    );
    @Injectable()
    class OutOfRange {
      @Cron('0 61 * * * *')
      run() {}
    }
    await expect(bootstrap([OutOfRange])).rejects.toThrow(/^@Cron\(\) on OutOfRange@run: "0 61 \* \* \* \*" is not a valid cron expression \(Field value \(61\) is out of range\)/);
    @Injectable()
    class BadZone {
      @Cron('0 0 9 * * *', { timeZone: 'Mars/Olympus' })
      run() {}
    }
    await expect(bootstrap([BadZone])).rejects.toThrow(
      `@Cron() on BadZone@run: timeZone "Mars/Olympus" is not a time zone. Use an IANA name such as 'Europe/Paris' or 'America/New_York', or leave timeZone out for the process's own.`,
    );
    for (const ms of [0, -5, 1.5]) {
      @Injectable()
      class BadInterval {
        @Interval('bad', ms)
        run() {}
      }
      await expect(bootstrap([BadInterval])).rejects.toThrow(
        `@Interval() on BadInterval@run needs a positive whole number of milliseconds, got ${ms}. Write e.g. @Interval('report', 60_000).`,
      );
    }
    @Injectable()
    class FarTimeout {
      @Timeout('far', 2 ** 31)
      run() {}
    }
    await expect(bootstrap([FarTimeout])).rejects.toThrow(
      `@Timeout() on FarTimeout@run waits 2147483648 ms, longer than a timer can (2147483647 ms, about 24.8 days). For a run that far off, use @Cron, or enqueue a job with runAt.`,
    );
    @Injectable()
    class First {
      @Interval('report', 1000)
      run() {}
    }
    @Injectable()
    class Second {
      @Cron('0 * * * * *', { name: 'report' })
      run() {}
    }
    await expect(bootstrap([First, Second])).rejects.toThrow(
      `Cron Job with the given name (report) already exists: First@run and Second@run are both named "report". Give one of them another name (@Interval('name', ms), @Cron(expression, { name }) or @Timeout('name', ms)).`,
    );
    @Injectable()
    class Unknown {
      @Interval('x', 1000, { every: 5 } as never)
      run() {}
    }
    await expect(bootstrap([Unknown])).rejects.toThrow(
      'Unknown option "every" in @Interval() on Unknown@run options. Valid options are: scope, runOnStart, overlap, missed, startAt, endAt, limit, queue, disabled.',
    );
    @Injectable()
    class BadMissed {
      @Interval('x', 1000, { missed: 'catchUp' as never, limit: 0 })
      run() {}
    }
    await expect(bootstrap([BadMissed])).rejects.toThrow(`Invalid @Interval() on BadMissed@run option "missed": expected 'skip' or 'runOnce', got "catchUp".`);
  });

  it('accepts @Retry and @CircuitBreaker on a scheduled method without @Job', async () => {
    @Injectable()
    class Scheduled {
      @Interval('nightly', 60_000)
      @Retry({ attempts: 2 })
      @CircuitBreaker('warehouse')
      run() {}
    }
    await expect(bootstrap([Scheduled])).resolves.toBeUndefined();
  });

  it('starts with forRoot() and no options: Redis at REDIS_URL, global, every default', async () => {
    const server = await RedisServer.start();
    const saved = process.env.REDIS_URL;
    process.env.REDIS_URL = server.url;
    @Injectable()
    class Consumer {
      constructor(readonly jobs: JobsService) {}
    }
    @Module({ providers: [Consumer, BillingJobs] })
    class FeatureModule {}
    try {
      const moduleRef = await Test.createTestingModule({ imports: [BackgroundModule.forRoot(), FeatureModule] }).compile();
      const app = moduleRef.createNestApplication({ logger: false });
      await app.init();
      const { jobs } = app.get(Consumer);
      await expect(jobs.waitFor((await jobs.enqueue('invoice.send', {})).id)).resolves.toBe('billing');
      await app.close();
    } finally {
      if (saved === undefined) delete process.env.REDIS_URL;
      else process.env.REDIS_URL = saved;
      await server.stop();
    }
  });

  it('is configured asynchronously with forRootAsync and is global', async () => {
    @Module({ providers: [{ provide: 'STORAGE', useValue: 'memory' }], exports: ['STORAGE'] })
    class ConfigModule {}

    @Injectable()
    class Consumer {
      constructor(readonly jobs: JobsService) {}
    }
    @Module({ providers: [Consumer, BillingJobs] })
    class FeatureModule {}
    const asyncOptions: BackgroundModuleAsyncOptions = {
      imports: [ConfigModule],
      inject: ['STORAGE'],
      useFactory: (storage: 'memory') => ({ storage }),
    };

    const moduleRef = await Test.createTestingModule({
      imports: [
        BackgroundModule.forRootAsync(asyncOptions),
        FeatureModule,
      ],
    }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    const { jobs } = app.get(Consumer);
    await expect(jobs.waitFor((await jobs.enqueue('invoice.send', {})).id)).resolves.toBe('billing');
    await app.close();
  });

  it('routes a job to its handler queue and honours the handler concurrency', async () => {
    let running = 0;
    let peak = 0;
    const release = deferred();
    const twoRunning = deferred();
    @Injectable()
    class ReportJobs {
      @Job('report', { queue: 'reports', concurrency: 2 })
      async report(_data: unknown, ctx: JobContext) {
        peak = Math.max(peak, ++running);
        if (running === 2) twoRunning.resolve();
        await release.promise;
        running--;
        return ctx.queue;
      }
    }
    const app = await createTestApp({ storage: 'memory', queues: { reports: { concurrency: 10 } } }, [ReportJobs]);
    const ids = (await app.jobs.enqueueMany(Array.from({ length: 6 }, () => ({ name: 'report', data: {} })))).map((r) => r.id);
    await twoRunning.promise;
    // the handler's own limit lets two run; the others stay in the queue, free for other workers
    expect((await app.jobs.getStats()).queues.reports).toMatchObject({ active: 2, waiting: 4 });
    expect(running).toBe(2);
    release.resolve();
    const results = await Promise.all(ids.map((id) => app.jobs.waitFor(id)));
    expect(results).toEqual(Array(6).fill('reports'));
    expect(peak).toBe(2);
    expect((await app.jobs.getStats()).queues.reports).toMatchObject({ completed: 6 });
    await app.close();
  });

  it('runs fireAndForget work in the process and waits for it on shutdown', async () => {
    const app = await createTestApp({ storage: 'memory' });
    const done: number[] = [];
    app.jobs.fireAndForget(async (n: number) => {
      await new Promise((resolve) => setTimeout(resolve, 30));
      done.push(n);
    }, 7);
    expect(done).toEqual([]);
    await app.close();
    expect(done).toEqual([7]);
  });
});
