import { Injectable, Logger, type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { runInThisContext } from 'node:vm';
import { RedisConnection } from '../lib/engine/redis/redis.connection.js';
import { REDIS_NOT_CONNECTED } from '../lib/background.messages.js';
import { BackgroundModule, Job, JobsService, RedisUnavailableError, WaitTimeoutError, type JobContext } from '../lib/index.js';
import { CapturedLog } from './support/captured-log.js';
import { RedisServer } from './support/redis-server.js';
import { deferred, eventually } from './support/test-app.js';

/**
 * The process itself: Jest gives each test file a copy of `process`, and Node emits 'warning'
 * and 'unhandledRejection' on the real one only.
 */
const hostProcess = runInThisContext('process') as NodeJS.Process;

/** Enqueues as soon as Redis takes it: each try waits for the connection, for up to enqueueTimeoutMs. */
async function enqueueOnceBack(jobs: JobsService, name: string): Promise<string> {
  for (;;) {
    const id = await jobs.enqueue(name, {}).then(
      (result) => result.id,
      (error: Error) => {
        if (error instanceof RedisUnavailableError) return '';
        throw error;
      },
    );
    if (id) return id;
  }
}

async function startApp(server: RedisServer, log: CapturedLog, providers: any[], workers: boolean): Promise<INestApplication> {
  const moduleRef = await Test.createTestingModule({
    imports: [
      BackgroundModule.forRoot({ connection: server.url, prefix: 'outage', workers, enqueueTimeoutMs: 500, shutdownTimeoutMs: 200 }),
    ],
    providers,
  }).compile();
  const app = moduleRef.createNestApplication({ logger: log });
  await app.init();
  return app;
}

@Injectable()
class MailJobs {
  @Job('mail.send')
  send() {
    return 'sent';
  }
}

describe('a Redis outage', () => {
  let server: RedisServer;
  let app: INestApplication | undefined;
  beforeEach(async () => (server = await RedisServer.start()));
  afterEach(async () => {
    await app?.close();
    app = undefined;
    await server.stop();
  });

  it('rejects the enqueues it interrupts and those made during it with RedisUnavailableError naming the address, and writes none of them later', async () => {
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    hostProcess.on('warning', onWarning);
    try {
      const log = new CapturedLog();
      app = await startApp(server, log, [MailJobs], false);
      const jobs = app.get(JobsService);
      const address = `127.0.0.1:${server.port}`;
      await jobs.enqueue('mail.send', {}, { jobId: 'before' });

      // sent over a live connection when Redis dies: their replies are lost with it
      const interrupted = Array.from({ length: 200 }, (_, i) => jobs.enqueue('mail.send', { i }, { jobId: `in-flight-${i}` }));
      await server.stop('SIGKILL');
      await log.logged(`warn Lost Redis at ${address}: jobs are neither claimed nor enqueued until it is back. Reconnecting.`);
      // made while it is down: each waits for the connection, more of them than EventEmitter's limit of 10
      const during = Array.from({ length: 50 }, (_, i) => jobs.enqueue('mail.send', { i }, { jobId: `during-${i}` }));
      const outcomes = await Promise.allSettled([...interrupted, ...during]);

      const allowed = [
        // waited for the connection, nothing sent
        `Redis at ${address} did not answer within 500 ms; nothing was enqueued. Check that Redis runs and that the connection option points at it.`,
        `Redis at ${address} is not connected; nothing was sent. Check that Redis runs and that the connection option points at it; the connection is retried by itself.`,
        // sent, and the reply went with the connection
        `Redis at ${address} went away before it answered; the call may or may not have taken effect. Check that Redis runs; once it is back, getJob() tells, and an enqueue repeated with the same jobId is not stored twice.`,
        `Redis at ${address} went away before it answered and was not back within 500 ms; the call may or may not have taken effect. Check that Redis runs; once it is back, getJob() tells, and an enqueue repeated with the same jobId is not stored twice.`,
      ];
      const failures = outcomes.filter((outcome) => outcome.status === 'rejected').map((outcome) => outcome.reason as Error);
      // the 50 made during the outage fail for sure; some interrupted ones may have been answered before the socket closed
      expect(failures.length).toBeGreaterThanOrEqual(50);
      for (const failure of failures) {
        expect(failure).toBeInstanceOf(RedisUnavailableError);
        expect(allowed).toContain(failure.message);
      }
      expect(warnings.filter((warning) => warning.name === 'MaxListenersExceededWarning').map((warning) => warning.message)).toEqual([]);

      // Redis restarts empty (no persistence): any job now was written after its caller was told it failed
      await server.start();
      await log.logged(`log Redis at ${address} is back.`);
      await jobs.enqueue('mail.send', {}, { jobId: 'after' });
      const client = server.client();
      const ids = await client.hkeys('{outage:default}:jobs');
      await client.quit();
      expect(ids).toEqual(['after']);
    } finally {
      hostProcess.off('warning', onWarning);
    }
  });

  it('lets a handler annotate without awaiting while Redis is down, without an unhandled rejection', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    hostProcess.on('unhandledRejection', onUnhandled);
    try {
      const started = deferred();
      const gate = deferred();
      const annotated = deferred<string>();
      @Injectable()
      class ChattyJobs {
        @Job('chatty')
        async run(_data: unknown, ctx: JobContext) {
          started.resolve();
          await gate.promise;
          void ctx.log('x');
          void ctx.progress(1);
          // settles, like the two above, after the engine refused the line
          annotated.resolve(await ctx.log('y').then(() => 'resolved', (error: Error) => `rejected: ${error.message}`));
        }
      }
      const log = new CapturedLog();
      app = await startApp(server, log, [ChattyJobs], true);
      await app.get(JobsService).enqueue('chatty', {});
      await started.promise;
      await server.stop('SIGKILL');
      await log.logged(`warn Lost Redis at 127.0.0.1:${server.port}: jobs are neither claimed nor enqueued until it is back. Reconnecting.`);
      gate.resolve();
      await expect(annotated.promise).resolves.toBe('resolved');
      // Node reports a rejection as unhandled once the microtasks of the turn that made it have run
      await new Promise((resolve) => setImmediate(resolve));
      expect(unhandled).toEqual([]);

      // closed with Redis down, ioredis keeps a timer of its own for 2 s after disconnect()
      await server.start();
      await app.get(JobsService).waitFor(await enqueueOnceBack(app.get(JobsService), 'chatty'));
    } finally {
      hostProcess.off('unhandledRejection', onUnhandled);
    }
  });

  it('ends a waitFor by its deadline while Redis is down, saying so, without an unhandled rejection', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    hostProcess.on('unhandledRejection', onUnhandled);
    try {
      const log = new CapturedLog();
      app = await startApp(server, log, [MailJobs], false);
      const jobs = app.get(JobsService);
      const address = `127.0.0.1:${server.port}`;
      const { id } = await jobs.enqueue('mail.send', {});
      const waiting = jobs.waitFor(id, { timeoutMs: 1000 });
      const deadline = Date.now() + 1000;
      // registered before Redis goes: a later waitFor that gives up at once has looked after it
      await expect(jobs.waitFor(id, { timeoutMs: 0 })).rejects.toThrow(WaitTimeoutError);
      await server.stop('SIGKILL');
      await log.logged(`warn Lost Redis at ${address}: jobs are neither claimed nor enqueued until it is back. Reconnecting.`);
      await expect(waiting).rejects.toThrow(new RedisUnavailableError(REDIS_NOT_CONNECTED(address)));
      expect(Date.now() - deadline).toBeLessThan(200);
      // one made during the outage gives up by its own deadline too, before enqueueTimeoutMs (500 ms)
      const since = Date.now();
      await expect(jobs.waitFor(id, { timeoutMs: 100 })).rejects.toThrow(RedisUnavailableError);
      expect(Date.now() - since).toBeLessThan(300);
      await new Promise((resolve) => setImmediate(resolve));
      expect(unhandled).toEqual([]);
      // closed with Redis down, ioredis keeps a timer of its own for 2 s after disconnect()
      await server.start();
      await log.logged(`log Redis at ${address} is back.`);
    } finally {
      hostProcess.off('unhandledRejection', onUnhandled);
    }
  });

  it('wakes a waitFor whose job was cancelled while its subscriber connection was down', async () => {
    const log = new CapturedLog();
    app = await startApp(server, log, [MailJobs], false);
    const jobs = app.get(JobsService);
    const { id } = await jobs.enqueue('mail.send', {});
    const waiting = jobs.waitFor(id, { timeoutMs: 10_000 });
    await expect(jobs.waitFor(id, { timeoutMs: 0 })).rejects.toThrow(WaitTimeoutError);
    const admin = server.client();
    try {
      // ioredis reconnects 50 ms after a drop: the cancel below is published to nobody
      await admin.call('CLIENT', 'KILL', 'TYPE', 'pubsub');
      await expect(jobs.cancel(id)).resolves.toBe(true);
    } finally {
      await admin.quit();
    }
    const cancelledAt = Date.now();
    await expect(waiting).rejects.toThrow(`Job "${id}" was cancelled.`);
    // woken by the look it takes once reconnected, not by the last look at its deadline
    expect(Date.now() - cancelledAt).toBeLessThan(5000);
  });

  it('is logged once when Redis goes and once when it is back, however many queues and clients', async () => {
    @Injectable()
    class TwoQueues {
      @Job('first', { queue: 'first' })
      first() {
        return 'first';
      }
      @Job('second', { queue: 'second' })
      second() {
        return 'second';
      }
    }
    const log = new CapturedLog();
    app = await startApp(server, log, [TwoQueues], true);
    const jobs = app.get(JobsService);
    await jobs.waitFor((await jobs.enqueue('first', {})).id);
    const lost = `warn Lost Redis at 127.0.0.1:${server.port}: jobs are neither claimed nor enqueued until it is back. Reconnecting.`;
    const back = `log Redis at 127.0.0.1:${server.port} is back.`;

    await server.stop('SIGKILL');
    await log.logged(lost);
    await server.start();
    await log.logged(back);
    // every client is back once a job enqueued now runs on the other queue's worker
    await expect(jobs.waitFor(await enqueueOnceBack(jobs, 'second'))).resolves.toBe('second');

    expect(log.count(lost)).toBe(1);
    expect(log.count(back)).toBe(1);
    expect(log.lines.filter((line) => line.includes('ECONNREFUSED'))).toEqual([]);
  });
});

describe('RedisConnection.resendIdempotent, for commands that change nothing when repeated', () => {
  let server: RedisServer;
  let connection: RedisConnection;
  let log: CapturedLog;
  beforeEach(async () => {
    server = await RedisServer.start();
    log = new CapturedLog();
    Logger.overrideLogger(log);
    connection = new RedisConnection(server.url);
  });
  afterEach(async () => {
    await connection.closeAll();
    await server.stop();
  });

  /** Resolves once Redis holds a BLPOP: a command surely under way when the test then kills Redis. */
  async function blocked(): Promise<void> {
    const probe = server.client();
    try {
      await eventually('a BLPOP to block in Redis', async () => (await probe.info('clients')).includes('blocked_clients:1'));
    } finally {
      // left open, it would reconnect to the stopped server for good, and jest would not exit
      probe.disconnect();
    }
  }

  it('sends once more when Redis is back from losing the reply', async () => {
    const client = connection.create('commands');
    await connection.ready(client, 1000);
    let tries = 0;
    const call = connection.resendIdempotent<unknown>(client, 5000, () => (++tries === 1 ? client.blpop('never', 0) : client.ping()));
    await blocked();
    await server.stop('SIGKILL');
    await server.start();
    await expect(call).resolves.toBe('PONG');
    expect(tries).toBe(2);
  });

  it('gives up after the time given, saying the call may have taken effect', async () => {
    const client = connection.create('commands');
    await connection.ready(client, 1000);
    let tries = 0;
    const call = connection.resendIdempotent<unknown>(client, 300, () => (++tries === 1 ? client.blpop('never', 0) : client.ping()));
    await blocked();
    await server.stop('SIGKILL');
    await expect(call).rejects.toThrow(
      new RedisUnavailableError(
        `Redis at 127.0.0.1:${server.port} went away before it answered and was not back within 300 ms; the call may or may not have taken effect. Check that Redis runs; once it is back, getJob() tells, and an enqueue repeated with the same jobId is not stored twice.`,
      ),
    );
    expect(tries).toBe(1);
    // closed with Redis down, ioredis keeps a timer of its own for 2 s after disconnect()
    await server.start();
    await connection.ready(client, 5000);
  });

  it('passes on an error of the command itself at once', async () => {
    const client = connection.create('commands');
    await connection.ready(client, 1000);
    let tries = 0;
    const call = connection.resendIdempotent(client, 5000, () => {
      tries++;
      return client.call('NO.SUCH.COMMAND');
    });
    await expect(call).rejects.toThrow("ERR unknown command 'NO.SUCH.COMMAND'");
    expect(tries).toBe(1);
  });
});
