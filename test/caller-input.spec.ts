import { Injectable, Logger } from '@nestjs/common';
import { InvalidOptionsError, Job, JobFailedError, Retry } from '../lib/index.js';
import { CapturedLog } from './support/captured-log.js';
import { RedisServer } from './support/redis-server.js';
import { createTestApp, eventually } from './support/test-app.js';

/** What a caller sends that is not a payload: many jobs at once, ids and names, and what they become in logs. */

@Injectable()
class MailJobs {
  @Job('mail.send')
  send() {
    return 'sent';
  }
}

@Injectable()
class FailingJobs {
  @Job('report.print', { attempts: 1 })
  print() {
    throw new Error('no printer');
  }

  @Job('report.forge', { attempts: 1 })
  forge() {
    throw new Error('no printer\n[Nest] 1 - LOG forged');
  }
}

describe.each(['memory', 'redis'] as const)('enqueueMany of 100,000 jobs (%s)', (storage) => {
  let server: RedisServer | undefined;
  const crashes: unknown[] = [];
  const crash = (error: unknown) => crashes.push(error);
  beforeAll(async () => {
    if (storage === 'redis') server = await RedisServer.start();
    process.on('unhandledRejection', crash).on('uncaughtException', crash);
  });
  afterAll(async () => {
    process.off('unhandledRejection', crash).off('uncaughtException', crash);
    await server?.stop();
  });

  it('stores every job, and nothing goes uncaught', async () => {
    const app = await createTestApp(server ? { connection: server.url, workers: false } : { storage, workers: false }, [MailJobs]);
    const items = Array.from({ length: 100_000 }, (_, n) => ({ name: 'mail.send', data: { n } }));
    const results = await app.jobs.enqueueMany(items);
    expect(new Set(results.map(({ id }) => id)).size).toBe(100_000);
    expect((await app.jobs.getStats()).queues.default?.waiting).toBe(100_000);
    expect((await app.jobs.getJob(results[99_999]!.id))?.data).toEqual({ n: 99_999 });
    await app.close();
    expect(crashes).toEqual([]);
  }, 180_000);
});

describe('numbers out of range', () => {
  it.each([
    [{ attempts: 1e12 }, 'Invalid enqueue(\'mail.send\') option "attempts": expected an integer from 1 to 10000, got 1000000000000.'],
    [{ attempts: 10_001 }, 'Invalid enqueue(\'mail.send\') option "attempts": expected an integer from 1 to 10000, got 10001.'],
  ])('are refused at enqueue: %p', async (options, message) => {
    const app = await createTestApp({ storage: 'memory', workers: false }, [MailJobs]);
    await expect(app.jobs.enqueue('mail.send', {}, options)).rejects.toThrow(new InvalidOptionsError(message));
    await expect(app.jobs.enqueue('mail.send', {}, { attempts: 10_000 })).resolves.toHaveProperty('id');
    await app.close();
  });

  it.each([
    [{ defaults: { attempts: 1e12 } }, 'Invalid BackgroundModule.forRoot() option "defaults.attempts": expected an integer from 1 to 10000, got 1000000000000.'],
    [{ queues: { mail: { concurrency: 1e9 } } }, 'Invalid BackgroundModule.forRoot() queues.mail option "concurrency": expected an integer from 1 to 10000, got 1000000000.'],
    // a Node timer waits these, and fires at once when asked to wait longer
    [{ shutdownTimeoutMs: 1e10 }, 'Invalid BackgroundModule.forRoot() option "shutdownTimeoutMs": expected an integer from 0 to 2147483647, got 10000000000.'],
    [{ enqueueTimeoutMs: 2 ** 31 }, 'Invalid BackgroundModule.forRoot() option "enqueueTimeoutMs": expected an integer from 1 to 2147483647, got 2147483648.'],
  ])('are refused when the application starts: %p', async (options, message) => {
    await expect(createTestApp({ storage: 'memory', workers: false, ...options } as never)).rejects.toThrow(new InvalidOptionsError(message));
  });

  it.each([
    ['attempts', { attempts: 1e12 }, 'an integer from 1 to 10000, got 1000000000000'],
    ['concurrency', { concurrency: 1e9 }, 'an integer from 1 to 10000, got 1000000000'],
  ])('are refused in @Job (%s) when the application starts', async (key, options, expected) => {
    @Injectable()
    class HugeJobs {
      @Job('huge', options)
      run() {}
    }
    await expect(createTestApp({ storage: 'memory', workers: false }, [HugeJobs])).rejects.toThrow(
      new InvalidOptionsError(`Invalid @Job('huge') on HugeJobs@run option "${key}": expected ${expected}.`),
    );
  });

  it('are refused in @Retry', async () => {
    @Injectable()
    class StubbornJobs {
      @Job('stubborn')
      @Retry({ attempts: 1e6 })
      run() {}
    }
    await expect(createTestApp({ storage: 'memory', workers: false }, [StubbornJobs])).rejects.toThrow(
      new InvalidOptionsError('Invalid @Retry() on StubbornJobs@run option "attempts": expected an integer from 1 to 10000, got 1000000.'),
    );
  });
});

describe("the module's own job ids", () => {
  const reserved = (jobId: string, prefix: string) =>
    `enqueue('mail.send'): the jobId ${JSON.stringify(jobId)} starts with "${prefix}", which the module keeps for its own jobs (a schedule's ticks are "schedule:<name>:<due>", an event's jobs "event:<eventId>:<subscriber>"); a job of that id would stand in for one of them, which would then never run. Choose an id that does not start with "schedule:" or "event:".`;

  it.each([
    ['a schedule tick', 'schedule:nightly-report:1767225600000', 'schedule:'],
    ["an event's job", 'event:order-42:billing.charge', 'event:'],
  ])('are refused to a caller: the id of %s', async (_what, jobId, prefix) => {
    const app = await createTestApp({ storage: 'memory', workers: false }, [MailJobs]);
    await expect(app.jobs.enqueue('mail.send', {}, { jobId })).rejects.toThrow(new InvalidOptionsError(reserved(jobId, prefix)));
    await expect(app.jobs.enqueueMany([{ name: 'mail.send', data: {}, options: { jobId } }])).rejects.toThrow(
      new InvalidOptionsError(reserved(jobId, prefix)),
    );
    expect((await app.jobs.getStats()).queues.default?.waiting ?? 0).toBe(0);
    // what only looks like them is a caller's to use
    await expect(app.jobs.enqueue('mail.send', {}, { jobId: 'order-42:schedule:event:' })).resolves.toEqual({ id: 'order-42:schedule:event:' });
    await app.close();
  });
});

describe('ids a caller chose are logged with their control characters escaped', () => {
  const log = new CapturedLog();
  afterEach(() => Logger.overrideLogger(false));

  it('a job id holding a newline or an escape sequence cannot forge or hide a log line', async () => {
    const app = await createTestApp({ storage: 'memory' }, [FailingJobs]);
    Logger.overrideLogger(log);
    const { id } = await app.jobs.enqueue('report.print', {}, { jobId: 'x\n[Nest] 1 - LOG forged\u001b[2J\u202e' });
    await expect(app.jobs.waitFor(id, { timeoutMs: 30_000 })).rejects.toThrow(JobFailedError);
    await eventually('the dead job to be logged', () => log.lines.some((line) => line.includes('it is dead')), 30_000);
    expect(log.lines.filter((line) => line.includes('it is dead'))).toEqual([
      'error Job report.print (x\\n[Nest] 1 - LOG forged\\u001b[2J\\u202e) failed on attempt 1/1 in FailingJobs@print: no printer; it is dead (attempts exhausted), see the dead-letter queue',
    ]);
    await app.close();
  });

  it('an error message holding a newline cannot forge a log line, and is stored as thrown', async () => {
    const app = await createTestApp({ storage: 'memory' }, [FailingJobs]);
    try {
      Logger.overrideLogger(log);
      const { id } = await app.jobs.enqueue('report.forge', {});
      await expect(app.jobs.waitFor(id, { timeoutMs: 30_000 })).rejects.toThrow(JobFailedError);
      await eventually('the dead job to be logged', () => log.lines.some((line) => line.includes('report.forge')), 30_000);
      expect(log.lines.filter((line) => line.includes('report.forge'))).toEqual([
        `error Job report.forge (${id}) failed on attempt 1/1 in FailingJobs@forge: no printer\\n[Nest] 1 - LOG forged; it is dead (attempts exhausted), see the dead-letter queue`,
      ]);
      expect((await app.jobs.getJob(id))?.errors[0]?.message).toBe('no printer\n[Nest] 1 - LOG forged');
    } finally {
      await app.close();
    }
  });

  it('an event id holding a newline cannot forge a log line', async () => {
    // a per-event line: printed only with logJobs
    const app = await createTestApp({ storage: 'memory', workers: false, logJobs: true });
    Logger.overrideLogger(log);
    await app.jobs.emit('nobody.listens', {}, { id: 'e\r\nforged' });
    expect(log.lines).toContain('debug Event "nobody.listens" (e\\r\\nforged) has no subscriber in the cluster; nothing was stored.');
    await app.close();
  });
});
