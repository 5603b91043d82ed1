import { jest } from '@jest/globals';
import { Injectable, Module, type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { EventEmitter2, EventEmitterModule as PeerEventEmitterModule, OnEvent } from '@nestjs/event-emitter';
import { ScheduleModule } from '@nestjs/schedule';
import { BackgroundModule, InvalidOptionsError, SchedulerService } from '../../lib/index.js';
import { EventEmitterModule } from '../../lib/event-emitter/index.js';
import { RedisServer } from '../support/redis-server.js';
import { TasksService } from './scheduling/src/tasks/tasks.service.js';

// A newcomer following docs/schedule-migration.md and docs/events-migration.md to the letter: each claim of their
// prose, checked against what the application does.

@Injectable()
class Receipts {
  readonly sent: unknown[] = [];
  @OnEvent('order.*')
  send(payload: { orderId: string }) {
    this.sent.push(payload);
    return `receipt for ${payload.orderId}`;
  }
}

let app: INestApplication | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
  jest.useRealTimers();
});

async function boot(imports: unknown[], providers: Function[]): Promise<INestApplication> {
  const moduleRef = await Test.createTestingModule({ imports: imports as never[], providers: providers as never[] }).compile();
  app = moduleRef.createNestApplication({ logger: false });
  await app.init();
  return app;
}

describe('docs/schedule-migration.md', () => {
  it('"Keeping ScheduleModule.forRoot() beside BackgroundModule fails the bootstrap, naming the methods"', async () => {
    await expect(boot([ScheduleModule.forRoot(), BackgroundModule.forRoot({ storage: 'memory' })], [TasksService])).rejects.toThrow(
      'the @nestjs/schedule decorators on TasksService@handleCron, TasksService@handleInterval, TasksService@handleTimeout would run twice',
    );
  });

  it('"The name given, else Class.method": SchedulerService.list() shows the sample\'s three', async () => {
    const started = await boot([BackgroundModule.forRoot({ storage: 'memory' })], [TasksService]);
    const names = (await started.get(SchedulerService).list()).map((schedule) => schedule.name).sort();
    expect(names).toEqual(['TasksService.handleCron', 'TasksService.handleInterval', 'TasksService.handleTimeout']);
  });

  it('"On the Redis engine ... app.init() fails at once with a message naming the fix"', async () => {
    const server = await RedisServer.start();
    try {
      jest.useFakeTimers();
      await expect(boot([BackgroundModule.forRoot({ connection: server.url })], [TasksService])).rejects.toThrow(
        "In a test with fake timers use BackgroundModule.forRoot({ storage: 'memory' })",
      );
    } finally {
      jest.useRealTimers();
      await server.stop();
    }
  });
});

describe('docs/events-migration.md', () => {
  const swapped = () => [BackgroundModule.forRoot({ storage: 'memory' }), EventEmitterModule.forRoot({ wildcard: true })];

  it('"emit ... returns true at once"; the subscriber runs later, in a worker, once', async () => {
    const started = await boot(swapped(), [Receipts]);
    expect(started.get(EventEmitter2).emit('order.placed', { orderId: 'o1' })).toBe(true);
    const receipts = started.get(Receipts);
    const end = Date.now() + 30_000;
    while (receipts.sent.length === 0 && Date.now() < end) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(receipts.sent).toEqual([{ orderId: 'o1' }]);
  });

  it('"emitAsync ... resolves with their results"; "none is null; several arrive as one array"', async () => {
    const started = await boot(swapped(), [Receipts]);
    const events = started.get(EventEmitter2);
    expect(await events.emitAsync('order.quoted', { orderId: 'o2' })).toEqual(['receipt for o2']);
    await events.emitAsync('order.none');
    await events.emitAsync('order.many', 1, 2);
    expect(started.get(Receipts).sent).toEqual([{ orderId: 'o2' }, null, [1, 2]]);
  });

  it('"a symbol, or a name with a wildcard, is refused at the call with InvalidOptionsError"', async () => {
    const started = await boot(swapped(), [Receipts]);
    const events = started.get(EventEmitter2);
    expect(() => events.emit(Symbol('order'), {})).toThrow(InvalidOptionsError);
    expect(() => events.emit('order.*', {})).toThrow(InvalidOptionsError);
  });

  it('"Without that module, BackgroundModule ignores the peer\'s @OnEvent": with the peer\'s own module, each event once, from the peer', async () => {
    @Module({ imports: [BackgroundModule.forRoot({ storage: 'memory' }), PeerEventEmitterModule.forRoot({ wildcard: true })] })
    class KeepsThePeer {}
    const started = await boot([KeepsThePeer], [Receipts]);
    started.get(EventEmitter2).emit('order.placed', { orderId: 'o3' });
    // synchronous, as the peer's emit is; and no job follows
    expect(started.get(Receipts).sent).toEqual([{ orderId: 'o3' }]);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(started.get(Receipts).sent).toHaveLength(1);
  });
});
