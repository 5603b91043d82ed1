import { jest } from '@jest/globals';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { Test, type TestingModule } from '@nestjs/testing';
import { BackgroundModule } from '../../../lib/index.js';
import { EventEmitterModule } from '../../../lib/event-emitter/index.js';
import { OrderCreatedListener } from './src/orders/listeners/order-created.listener.js';

// The adopter's own unit test of its listener, with the import of EventEmitterModule swapped as
// docs/events-migration.md says, and BackgroundModule beside it: the stand-in runs subscribers through it.
describe('handleOrderCreatedEvent', () => {
  let app: TestingModule | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it('should handle "order.created" event', async () => {
    app = await Test.createTestingModule({
      imports: [BackgroundModule.forRoot({ storage: 'memory' }), EventEmitterModule.forRoot()],
      providers: [OrderCreatedListener],
    }).compile();
    await app.init();
    const emitter = app.get(EventEmitter2);

    const results = await emitter.emitAsync('order.created');
    expect(results).toEqual([undefined]);
  });

  it('calls the listener with the event alone, as @nestjs/event-emitter does (a spy asserting its arguments still passes)', async () => {
    app = await Test.createTestingModule({
      imports: [BackgroundModule.forRoot({ storage: 'memory' }), EventEmitterModule.forRoot()],
      providers: [OrderCreatedListener],
    }).compile();
    await app.init();
    const spy = jest.spyOn(app.get(OrderCreatedListener), 'handleOrderCreatedEvent');
    const event = { name: 'Order #5', description: 'Spied' };

    await app.get(EventEmitter2).emitAsync('order.created', event);
    // before, the method was also given the job's context: toHaveBeenCalledWith(event) failed on the second argument
    expect(spy).toHaveBeenCalledWith(event);
  });

  it('with the import swapped but no BackgroundModule, the compilation names the fix', async () => {
    // the test module as it was: only EventEmitterModule. Before, Nest's own "can't resolve dependencies of the
    // BackgroundEventEmitter (?, LocalEventRunner, ...)" left the user to guess that BackgroundModule was missing.
    await expect(
      Test.createTestingModule({ imports: [EventEmitterModule.forRoot()], providers: [OrderCreatedListener] }).compile(),
    ).rejects.toThrow(
      "EventEmitterModule from nestjs-background/event-emitter runs @OnEvent subscribers as jobs of BackgroundModule, which it cannot find. Import BackgroundModule.forRoot() beside it, global as by default (in a unit test, BackgroundModule.forRoot({ storage: 'memory' })).",
    );
  });
});
