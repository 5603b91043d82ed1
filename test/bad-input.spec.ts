import { Injectable } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import {
  BackgroundModule,
  InvalidOptionsError,
  InvalidPayloadError,
  Job,
  RedisUnavailableError,
  UnknownJobError,
} from '../lib/index.js';
import { freePort, RedisServer } from './support/redis-server.js';
import { createTestApp, eventually, type TestApp } from './support/test-app.js';

@Injectable()
class MailJobs {
  @Job('mail.send')
  send() {
    return 'sent';
  }
}

describe('bad input is refused at the call that made it', () => {
  let app: TestApp;
  beforeAll(async () => (app = await createTestApp({ storage: 'memory', workers: false }, [MailJobs])));
  afterAll(() => app.close());

  describe('payloads that JSON cannot carry faithfully', () => {
    const circular: Record<string, unknown> = { a: 1 };
    circular.self = circular;
    it.each([
      ['a cycle', circular, 'payload.self refers back to itself (a circular reference); send a tree, for example ids instead of objects'],
      ['a BigInt', { amount: 10n }, 'payload.amount is a BigInt; send it as a string (value.toString()) and parse it in the handler'],
      ['a function', { cb: () => 1 }, 'payload.cb is a function; send data only, and look the behaviour up in the handler'],
      ['undefined at the top', undefined, 'the payload is undefined; pass null or an object instead'],
      ['NaN', { n: [1, Number.NaN] }, 'payload.n[1] is NaN, which JSON turns into null; send a finite number or a string'],
      ['a Map', { m: new Map() }, 'payload.m is a Map, which JSON turns into {}; send an array or a plain object'],
      [
        'a Buffer',
        { file: Buffer.from('hi') },
        "payload.file is a Buffer, which JSON turns into { type: 'Buffer', data: [...] }; send it as a base64 string (Buffer.from(value).toString('base64')) and decode it in the handler",
      ],
      [
        'a typed array',
        { samples: [new Float32Array([1, 2])] },
        'payload.samples[0] is a Float32Array, which JSON turns into an object keyed by index ({ "0": ..., "1": ... }); send an array (Array.from(value)) instead',
      ],
    ])('refuses %s', async (_what, payload, problem) => {
      const call = app.jobs.enqueue('mail.send', payload);
      await expect(call).rejects.toThrow(InvalidPayloadError);
      await expect(call).rejects.toThrow(`The payload of job "mail.send" cannot be stored as JSON: ${problem}.`);
    });

    it('refuses a payload nested more than 1000 deep, naming the depth, also 100,000 deep', async () => {
      const nest = (depth: number) => {
        let payload: unknown = 'leaf';
        for (let level = 0; level < depth; level++) payload = { child: payload };
        return payload;
      };
      for (const depth of [1001, 100_000]) {
        const call = app.jobs.enqueue('mail.send', nest(depth));
        await expect(call).rejects.toThrow(
          new InvalidPayloadError(
            'The payload of job "mail.send" nests objects and arrays more than 1000 deep, which JSON cannot read back reliably. Flatten it (a list of records with parent ids instead of a tree), or store it elsewhere and enqueue its key.',
          ),
        );
      }
      const { id } = await app.jobs.enqueue('mail.send', nest(1000));
      expect(JSON.stringify((await app.jobs.getJob(id))?.data)).toBe(JSON.stringify(nest(1000)));
    });

    it('accepts a Date, which arrives as its ISO string', async () => {
      const at = new Date('2026-01-02T03:04:05.000Z');
      const { id } = await app.jobs.enqueue('mail.send', { at });
      expect((await app.jobs.getJob(id))?.data).toEqual({ at: '2026-01-02T03:04:05.000Z' });
    });
  });

  it('refuses a payload over the size limit, and the limit can be raised', async () => {
    const big = { text: 'x'.repeat(600 * 1024) };
    await expect(app.jobs.enqueue('mail.send', big)).rejects.toThrow(
      'The payload of job "mail.send" is 614411 bytes as JSON, over the limit of 524288 bytes. Store large data elsewhere (object storage, a database) and enqueue its key, or raise maxPayloadBytes in BackgroundModule.forRoot().',
    );
    const roomy = await createTestApp({ storage: 'memory', workers: false, maxPayloadBytes: 1024 * 1024 }, [MailJobs]);
    await expect(roomy.jobs.enqueue('mail.send', big)).resolves.toHaveProperty('id');
    await roomy.close();
  });

  it('refuses a job name no handler has registered', async () => {
    const call = app.jobs.enqueue('mail.sned', {});
    await expect(call).rejects.toThrow(UnknownJobError);
    await expect(call).rejects.toThrow(
      `No handler is registered for job "mail.sned" in this process or by any worker of the cluster. Check the name, or add @Job('mail.sned') to a provider (a producer-only process must still list the provider, with workers: false).`,
    );
  });

  it('refuses a job name holding a NUL character, which the dead-letter index of each name uses as its separator', async () => {
    const call = app.jobs.enqueue('mail\0send', {}, { queue: 'default' });
    await expect(call).rejects.toThrow(InvalidOptionsError);
    await expect(call).rejects.toThrow('enqueue(): the job name "mail\\u0000send" holds a NUL character');
  });

  it('refuses an unknown job name also when the caller picks the queue', async () => {
    const waiting = async () => (await app.jobs.getStats()).queues.default?.waiting ?? 0;
    const before = await waiting();
    await expect(app.jobs.enqueue('mail.sned', {}, { queue: 'default' })).rejects.toThrow(UnknownJobError);
    expect(await waiting()).toBe(before);
  });

  it.each([
    [{ delayMs: -5 }, 'Invalid enqueue(\'mail.send\') option "delayMs": expected a finite number of milliseconds, 0 or more, got -5.'],
    [{ delayMs: Number.NaN }, 'Invalid enqueue(\'mail.send\') option "delayMs": expected a finite number of milliseconds, 0 or more, got NaN.'],
    [{ runAt: new Date('nope') }, 'Invalid enqueue(\'mail.send\') option "runAt": expected a valid Date or epoch milliseconds, got object.'],
    [{ priority: 'urgent' }, 'Invalid enqueue(\'mail.send\') option "priority": expected \'high\', \'normal\', \'low\' or an integer from -1000 to 1000, got "urgent".'],
    [{ attempts: 0 }, 'Invalid enqueue(\'mail.send\') option "attempts": expected an integer from 1 to 10000, got 0.'],
    [{ delay: 100 }, 'Unknown option "delay" in enqueue(\'mail.send\') options. Valid options are: priority, delayMs, runAt, jobId, attempts, timeoutMs, queue.'],
  ])('refuses enqueue options %p', async (options, message) => {
    const call = app.jobs.enqueue('mail.send', {}, options as never);
    await expect(call).rejects.toThrow(InvalidOptionsError);
    await expect(call).rejects.toThrow(message);
  });

  it('writes nothing of an enqueueMany batch when one item is bad', async () => {
    const before = (await app.jobs.getStats()).queues.default!.waiting;
    await expect(
      app.jobs.enqueueMany([
        { name: 'mail.send', data: { ok: 1 } },
        { name: 'mail.send', data: { bad: 1n } },
      ]),
    ).rejects.toThrow(InvalidPayloadError);
    expect((await app.jobs.getStats()).queues.default!.waiting).toBe(before);
  });

  it('refuses unknown module options when the application starts', async () => {
    await expect(createTestApp({ storage: 'memory', concurency: 5 } as never)).rejects.toThrow(
      'Unknown option "concurency" in BackgroundModule.forRoot(). Valid options are: connection, storage, prefix, workers, queues, defaults, deadLetter, leaseMs, maxStalls, noHandlerPatienceMs, shutdownTimeoutMs, maxPayloadBytes, enqueueTimeoutMs, logJobs, isGlobal, schedule.',
    );
    await expect(createTestApp({ storage: 'memory', queues: { default: { concurrency: 0 } } })).rejects.toThrow(
      'Invalid BackgroundModule.forRoot() queues.default option "concurrency": expected an integer from 1 to 10000, got 0.',
    );
    // a Node timer waits these, and fires at once when asked to wait longer
    await expect(createTestApp({ storage: 'memory', leaseMs: 30 * 24 * 3600_000 })).rejects.toThrow(
      'Invalid BackgroundModule.forRoot() option "leaseMs": expected an integer from 100 to 2147483647, got 2592000000.',
    );
  });

  it.each([
    ['not a url', '"not a url"'],
    ['http://127.0.0.1:6379', '"http://127.0.0.1:6379"'],
    [42, '42'],
    [null, 'null'],
    [new Map(), 'object'],
  ])('refuses connection %p when the application starts', async (connection, got) => {
    const failure = createTestApp({ connection: connection as never, workers: false });
    await expect(failure).rejects.toThrow(InvalidOptionsError);
    await expect(failure).rejects.toThrow(
      `Invalid BackgroundModule.forRoot() option "connection": expected a redis:// or rediss:// URL, an ioredis options object, or a Redis or Cluster instance, got ${got}.`,
    );
  });

  it('refuses a REDIS_URL that is not a Redis URL, unless the memory engine is used', async () => {
    const saved = process.env.REDIS_URL;
    process.env.REDIS_URL = '127.0.0.1:6379';
    try {
      await expect(createTestApp({ workers: false })).rejects.toThrow(
        'The REDIS_URL environment variable is "127.0.0.1:6379", which is not a redis:// or rediss:// URL. Fix REDIS_URL, or give BackgroundModule.forRoot() a connection option.',
      );
      const memory = await createTestApp({ storage: 'memory', workers: false });
      await memory.close();
    } finally {
      if (saved === undefined) delete process.env.REDIS_URL;
      else process.env.REDIS_URL = saved;
    }
  });

  it.each([
    ['workers', { workers: 'false' }, '"false"'],
    ['workers', { workers: -1 }, '-1'],
    ['defaults.backoff.jitter', { defaults: { backoff: { jitter: 0 } } }, '0'],
    ['logJobs', { logJobs: 'yes' }, '"yes"'],
  ])('refuses a %s option that is not a boolean', async (key, options, got) => {
    await expect(createTestApp({ storage: 'memory', ...options } as never)).rejects.toThrow(
      `Invalid BackgroundModule.forRoot() option "${key}": expected true or false (convert a string from the environment, e.g. process.env.WORKERS !== 'false'), got ${got}.`,
    );
  });

  it('resolves cancel() of an id no job has with false', async () => {
    await expect(app.jobs.cancel('no-such-job')).resolves.toBe(false);
  });

  it.each([
    ['an unknown filter key', () => app.jobs.listDead({ nmae: 'mail.send' } as never), 'Unknown option "nmae" in listDead(). Valid options are: name, queue, limit, offset.'],
    ['a limit of 0', () => app.jobs.listDead({ limit: 0 }), 'Invalid listDead() option "limit": expected an integer of at least 1, got 0.'],
    ['a limit over 1000', () => app.jobs.listDead({ limit: 5000 }), 'Invalid listDead() option "limit": expected an integer from 1 to 1000, got 5000.'],
    ['a negative offset', () => app.jobs.listDead({ offset: -1 }), 'Invalid listDead() option "offset": expected an integer of at least 0, got -1.'],
    ['an empty name', () => app.jobs.countDead({ name: '' }), 'countDead() filter needs a job name (a non-empty string) or a definition made with defineJob().'],
    ['a bad queue name', () => app.jobs.purgeDead({ queue: 'a b' }), 'Invalid purgeDead() option "queue": expected a name of letters, digits, "_", "." or "-", got "a b".'],
    [
      'neither an id nor a filter',
      () => app.jobs.redrive(42 as never),
      'redrive() expects a job id (a non-empty string, as returned by enqueue()) or a filter { name?, queue? } ({} for every dead job), got 42.',
    ],
  ])('refuses a dead-letter call with %s', async (_what, call, message) => {
    await expect(call()).rejects.toThrow(new InvalidOptionsError(message));
  });
});

describe('Redis unreachable', () => {
  it('stops the application from starting, naming the address and what ioredis met', async () => {
    const port = await freePort();
    const moduleRef = await Test.createTestingModule({
      imports: [BackgroundModule.forRoot({ connection: `redis://127.0.0.1:${port}`, workers: false, enqueueTimeoutMs: 300 })],
      providers: [MailJobs],
    }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    const started = Date.now();
    const failure = await app.init().catch((error: Error) => error);
    expect(failure).toBeInstanceOf(RedisUnavailableError);
    expect((failure as Error).message).toBe(
      `Redis at 127.0.0.1:${port} did not answer within 300 ms (connect ECONNREFUSED 127.0.0.1:${port}), so the application cannot start. Check that Redis runs and that REDIS_URL, or the connection option of BackgroundModule.forRoot(), points at it.`,
    );
    expect(Date.now() - started).toBeLessThan(2000);
    await app.close();
  });

  it('rejects an enqueue made while Redis is down, and the job never appears after it returns', async () => {
    const server = await RedisServer.start();
    const app = await createTestApp({ connection: server.url, prefix: 'down', workers: false, enqueueTimeoutMs: 300 }, [MailJobs]);
    await server.stop('SIGKILL');
    const started = Date.now();
    const call = app.jobs.enqueue('mail.send', { n: 'lost?' });
    await expect(call).rejects.toThrow(RedisUnavailableError);
    // which of the two depends on whether the client saw the socket close before it wrote the call; both are true
    await expect(call).rejects.toThrow(
      new RegExp(`^Redis at 127\\.0\\.0\\.1:${server.port} (did not answer within 300 ms|went away before it answered and was not back within 300 ms)`),
    );
    expect(Date.now() - started).toBeLessThan(2000);

    await server.start();
    // the client reconnects with backoff; calls made before it is back fail the same way
    let id = '';
    await eventually('an enqueue to succeed after Redis came back', async () => {
      id = await app.jobs.enqueue('mail.send', { n: 'after' }).then(
        (result) => result.id,
        () => '',
      );
      return id !== '';
    });
    const client = server.client();
    const jobIds = await client.hkeys('{down:default}:jobs');
    await client.quit();
    expect(jobIds).toEqual([id]);
    await app.close();
    await server.stop();
  });
});
