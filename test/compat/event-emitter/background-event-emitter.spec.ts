// Not from the peer's suite: what nestjs-background/event-emitter's EventEmitter2 means here (durable emit, local
// emitAsync, the peer's listener options), and that the peer's @OnEvent is left alone without it.
import { Injectable, Scope, Inject, type INestApplication } from '@nestjs/common';
import { REQUEST } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import { EventEmitter2, EventEmitterModule as PeerEventEmitterModule, OnEvent as PeerOnEvent } from '@nestjs/event-emitter';
import { BackgroundModule, InvalidPayloadError, JobsService, OnEvent, type BackgroundModuleOptions } from '../../../lib/index.js';
import { EventEmitterModule } from '../../../lib/event-emitter/index.js';
import { CapturedLog } from '../../support/captured-log.js';
import { RedisServer } from '../../support/redis-server.js';

const calls: string[] = [];

@Injectable()
class Orders {
  @PeerOnEvent('order.*')
  any(payload: { id: string }) {
    calls.push(`any ${payload.id}`);
    return `any ${payload.id}`;
  }

  @OnEvent('order.placed', { prependListener: true })
  first(payload: { id: string }) {
    calls.push(`first ${payload.id}`);
    return `first ${payload.id}`;
  }

  @PeerOnEvent('order.failed')
  failsQuietly() {
    throw new Error('card declined');
  }

  @PeerOnEvent('order.refused', { suppressErrors: false })
  failsLoudly() {
    throw new Error('card declined');
  }
}

@Injectable({ scope: Scope.REQUEST })
class PerEmit {
  constructor(@Inject(REQUEST) private readonly request: unknown) {}

  @PeerOnEvent('order.audited')
  audited(payload: unknown) {
    return this.request === payload;
  }
}

@Injectable()
class Archive {
  // EventEmitter2's segments of one name
  @PeerOnEvent(['order', 'archived'])
  archived(payload: { id: string }) {
    return `archived ${payload.id}`;
  }
}

async function open(options: BackgroundModuleOptions, imports: unknown[], providers: unknown[], log = new CapturedLog()) {
  const moduleRef = await Test.createTestingModule({ imports: [BackgroundModule.forRoot(options), ...(imports as never[])], providers: providers as never[] }).compile();
  moduleRef.useLogger(log);
  const app = moduleRef.createNestApplication({ logger: log });
  await app.init();
  return app;
}

describe.each(['memory', 'redis'] as const)('EventEmitter2 from nestjs-background/event-emitter (%s)', (storage) => {
  let server: RedisServer | undefined;
  let app: INestApplication | undefined;
  let prefixes = 0;
  const options = (): BackgroundModuleOptions => (storage === 'memory' ? { storage } : { connection: server!.url, prefix: `be${++prefixes}` });

  beforeAll(async () => {
    if (storage === 'redis') server = await RedisServer.start();
  });
  beforeEach(() => {
    calls.length = 0;
  });
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });
  afterAll(async () => server?.stop());

  it('emitAsync() calls this process\'s subscribers now, prepended first, then on() listeners, and resolves with their results; nothing is stored', async () => {
    app = await open(options(), [EventEmitterModule.forRoot({ wildcard: true })], [Orders]);
    const emitter = app.get(EventEmitter2);
    emitter.on('order.placed', (payload: { id: string }) => `listener ${payload.id}`);

    expect(await emitter.emitAsync('order.placed', { id: 'o-1' })).toEqual(['first o-1', 'any o-1', 'listener o-1']);
    const { queues } = await app.get(JobsService).getStats();
    expect(Object.values(queues).every((counts) => counts.waiting + counts.active + counts.completed === 0)).toBe(true);
  });

  it('emitAsync(): a throwing subscriber gives undefined and is logged, unless suppressErrors is false, which rejects', async () => {
    const log = new CapturedLog();
    app = await open(options(), [EventEmitterModule.forRoot()], [Orders], log);
    const emitter = app.get(EventEmitter2);

    expect(await emitter.emitAsync('order.failed', { id: 'o-2' })).toEqual(['any o-2', undefined]);
    expect(log.lines).toContain(
      'error Orders@failsQuietly failed on a local emitAsync("order.failed"): card declined. It is not retried (a local call stores nothing); give it suppressErrors: false to reject emitAsync() instead, or emit durably.',
    );
    await expect(emitter.emitAsync('order.refused', { id: 'o-3' })).rejects.toThrow('card declined');
  });

  it("the peer's @OnEvent given an array of segments subscribes to the one name they make", async () => {
    app = await open(options(), [EventEmitterModule.forRoot()], [Archive]);

    expect(await app.get(EventEmitter2).emitAsync('order.archived', { id: 'o-7' })).toEqual(['archived o-7']);
  });

  it('emitAsync() resolves a request-scoped subscriber per call, with the payload as REQUEST', async () => {
    app = await open(options(), [EventEmitterModule.forRoot()], [PerEmit]);

    expect(await app.get(EventEmitter2).emitAsync('order.audited', { id: 'o-4' })).toEqual([true]);
  });

  it('emit() stores one job per subscriber and returns true at once; on() listeners still run in it', async () => {
    app = await open(options(), [EventEmitterModule.forRoot()], [Orders]);
    const emitter = app.get(EventEmitter2);
    const heard: unknown[] = [];
    emitter.on('order.placed', (payload) => heard.push(payload));

    expect(emitter.emit('order.placed', { id: 'o-5' })).toBe(true);
    expect(heard).toEqual([{ id: 'o-5' }]);
    expect(calls).toEqual([]);
    const deadline = Date.now() + 30_000;
    while (calls.length < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(calls.sort()).toEqual(['any o-5', 'first o-5']);
  });

  it('refuses what cannot be durable, at the call: a symbol, a name with a wildcard, a payload JSON would change', async () => {
    app = await open(options(), [EventEmitterModule.forRoot()], [Orders]);
    const emitter = app.get(EventEmitter2);

    expect(() => emitter.emit(Symbol('order'), {})).toThrow(
      'emit(): an event named by a symbol cannot be stored as a job. Name it by a string such as "order.placed".',
    );
    expect(() => emitter.emit('order.*', {})).toThrow(
      'emit(): the event name "order.*" is invalid: an emitted event names one event; wildcards belong in @OnEvent() patterns. Name events like "order.placed".',
    );
    expect(() => emitter.emit('order.placed', { total: 10n })).toThrow(InvalidPayloadError);
    expect(calls).toEqual([]);
  });

  it('inheritRequestContextId: true — a durable emit still runs a request-scoped subscriber on an instance of its own, whatever the payload', async () => {
    const seen: unknown[] = [];
    @Injectable({ scope: Scope.REQUEST })
    class Inheriting {
      constructor(@Inject(REQUEST) private readonly request: unknown) {}

      @PeerOnEvent('order.inherited')
      inherited(payload: unknown) {
        seen.push([payload, this.request === payload || JSON.stringify(this.request) === JSON.stringify(payload)]);
      }
    }
    app = await open(options(), [EventEmitterModule.forRoot({ inheritRequestContextId: true })], [Inheriting]);
    const emitter = app.get(EventEmitter2);

    // a stored copy has no request context: each job gets its own, with the payload as REQUEST; null and a string do not break it
    for (const payload of [{ id: 'o-8' }, null, 'o-9', ['a', 'b']]) emitter.emit('order.inherited', payload);
    const deadline = Date.now() + 30_000;
    while (seen.length < 4 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(seen).toEqual(expect.arrayContaining([[{ id: 'o-8' }, true], [null, true], ['o-9', true], [['a', 'b'], true]]));
    // and locally, emitAsync with a payload of no request context resolves one of its own too
    expect(await emitter.emitAsync('order.inherited', { id: 'o-10' })).toEqual([undefined]);
  });

  it('inheritRequestContextId: true — a hostile payload (throwing getter or trap, raw of any kind, frozen, an array) neither crashes nor shares instances between emits', async () => {
    const instances: object[] = [];
    @Injectable({ scope: Scope.REQUEST })
    class Hostile {
      constructor(@Inject(REQUEST) private readonly request: unknown) {}

      @PeerOnEvent('order.hostile')
      hostile() {
        instances.push(this);
        return 'ran';
      }
    }
    app = await open(options(), [EventEmitterModule.forRoot({ inheritRequestContextId: true })], [Hostile]);
    const emitter = app.get(EventEmitter2);
    const throwing = () => {
      throw new Error('hostile read');
    };
    const payloads: [string, unknown][] = [
      ['a Proxy whose every read throws', new Proxy({}, { get: throwing, has: throwing, getOwnPropertyDescriptor: throwing, ownKeys: throwing })],
      ['a raw getter that throws', Object.defineProperty({}, 'raw', { get: throwing, enumerable: true })],
      ['raw null', { raw: null }],
      ['raw a number', { raw: 5 }],
      ['raw a string', { raw: 'x' }],
      ['raw an object', { raw: { id: 1 } }],
      ['frozen', Object.freeze({ id: 'o-11' })],
      ['an array', ['a', 'b']],
    ];
    const outcomes: [string, string][] = [];
    for (const [what, payload] of payloads) {
      for (let i = 0; i < 2; i++) {
        outcomes.push([what, await emitter.emitAsync('order.hostile', payload).then((results) => `resolved ${JSON.stringify(results)}`, (error: Error) => `rejected ${error.message}`)]);
      }
    }
    // a payload that cannot be read fails its own call or listener at most (suppressErrors: a null result); every other one runs, each emit on an instance of its own
    for (const [what, outcome] of outcomes) {
      if (what === 'a Proxy whose every read throws' || what === 'a raw getter that throws') expect([what, outcome]).toEqual([what, expect.stringMatching(/^(resolved \["ran"\]|resolved \[null\]|rejected hostile read)$/)]);
      else expect([what, outcome]).toEqual([what, 'resolved ["ran"]']);
    }
    expect(new Set(instances).size).toBe(instances.length);
    // and the application goes on: a later emit runs
    expect(await emitter.emitAsync('order.hostile', { id: 'after' })).toEqual(['ran']);
  });

  it("refuses a listener option of the wrong type, naming the method", async () => {
    @Injectable()
    class Typo {
      @OnEvent('order.placed', { suppressErrors: 'yes' } as never)
      placed() {}
    }
    await expect(open(options(), [], [Typo])).rejects.toThrow(
      `Invalid @OnEvent('order.placed') on Typo@placed options option "suppressErrors": expected a boolean, got "yes".`,
    );
  });

  it("leaves the peer's @OnEvent to the peer's own EventEmitterModule when it is kept: each event is handled once", async () => {
    app = await open(options(), [PeerEventEmitterModule.forRoot({ wildcard: true })], [Orders]);

    app.get(EventEmitter2).emit('order.shipped', { id: 'o-6' });
    expect(calls).toEqual(['any o-6']);
    expect((await app.get(JobsService).emit('order.shipped', { id: 'o-6' })).subscribers).toBe(0);
  });
});
