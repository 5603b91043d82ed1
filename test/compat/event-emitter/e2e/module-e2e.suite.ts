import { jest as vi } from '@jest/globals';
import { INestApplication } from '@nestjs/common';
import { ContextIdFactory, createContextId } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import { EventEmitter2 } from 'eventemitter2';
import { EventEmitterReadinessWatcher } from '@nestjs/event-emitter';
import { AppModule } from '../src/app.module.js';
import {
  TEST_EVENT_MULTIPLE_PAYLOAD,
  TEST_EVENT_PAYLOAD,
  TEST_EVENT_STRING_PAYLOAD,
} from '../src/constants.js';
import { CUSTOM_DECORATOR_EVENT } from '../src/custom-decorator-test.constants.js';
import { CustomEventDecoratorConsumer } from '../src/custom-decorator-test.consumer.js';
import { EventsControllerConsumer } from '../src/events-controller.consumer.js';
import { EventsProviderAliasedConsumer } from '../src/events-provider-aliased.consumer.js';
import { EventsProviderPrependConsumer } from '../src/events-provider-prepend.consumer.js';
import { EventsProviderConsumer } from '../src/events-provider.consumer.js';
import { EventsProviderDurableRequestScopedConsumer } from '../src/events-provider.durable-request-scoped.consumer.js';
import { EventsProviderRequestScopedConsumer } from '../src/events-provider.request-scoped.consumer.js';
import { TEST_PROVIDER_TOKEN } from '../src/test-provider.js';

describe('EventEmitterModule - e2e', () => {
  let app: INestApplication;
  const durableContextId = createContextId();

  beforeAll(() => {
    ContextIdFactory.apply({
      attach: (contextId, _request) => info => {
        return info.isTreeDurable ? durableContextId : contextId;
      },
    });
  });

  beforeEach(async () => {
    const module = await Test.createTestingModule({
      imports: [AppModule],
    }).compile();

    app = module.createNestApplication();
  });

  // not ported: "should emit a "test-event" event to providers" — (durable emit: emit() stores one job per subscriber and returns; a worker runs it after this synchronous check)

  // not ported: "should emit a "stacked-event" event to providers" — (durable emit: emit() stores one job per subscriber and returns; a worker runs it after this synchronous check)

  // not ported: "aliased providers should receive an event only once" — (durable emit: emit() stores one job per subscriber and returns; a worker runs it after this synchronous check)

  // not ported: "event subscribers are separate per each app instance" — (durable emit: emit() stores one job per subscriber and returns; a worker runs it after this synchronous check)

  // not ported: "should emit a "test-event" event to controllers" — (durable emit: emit() stores one job per subscriber and returns; a worker runs it after this synchronous check)

  // not ported: "should be able to specify a consumer be prepended via OnEvent decorator options" — (durable emit: emit() stores one job per subscriber and returns; a worker runs it after this synchronous check; and subscribers are jobs, not EventEmitter2 listeners (prependListener orders local emitAsync calls only))

  it('should work with null prototype provider value', async () => {
    const moduleWithNullProvider = await Test.createTestingModule({
      imports: [AppModule],
    })
      .overrideProvider(TEST_PROVIDER_TOKEN)
      .useFactory({
        factory: () => {
          const testObject = { a: 13, b: 7 };
          Object.setPrototypeOf(testObject, null);
          return testObject;
        },
      })
      .compile();
    app = moduleWithNullProvider.createNestApplication();
    await expect(app.init()).resolves.not.toThrow();
  });

  // not ported: "should be able to emit a request-scoped event with a single payload" — (durable emit: emit() stores one job per subscriber and returns; a worker runs it after this synchronous check)

  // not ported: "should be able to emit a durable request-scoped event with a single payload" — (durable emit: emit() stores one job per subscriber and returns; a worker runs it after this synchronous check)

  // not ported: "should be able to emit a request-scoped event with a string payload" — (durable emit: emit() stores one job per subscriber and returns; a worker runs it after this synchronous check)

  // not ported: "should be able to emit a durable request-scoped event with a string payload" — (durable emit: emit() stores one job per subscriber and returns; a worker runs it after this synchronous check)

  // not ported: "should be able to emit a request-scoped event with multiple payloads" — (durable emit: emit() stores one job per subscriber and returns; a worker runs it after this synchronous check)

  // not ported: "should be able to emit a durable request-scoped event with multiple payloads" — (durable emit: emit() stores one job per subscriber and returns; a worker runs it after this synchronous check)

  // not ported: "should work with non array metadata" — (durable emit: emit() stores one job per subscriber and returns; a worker runs it after this synchronous check)

  // not ported: "should be able to gracefully recover when an unexpected error occurs from provider" — (durable emit: emit() stores one job per subscriber and returns; a worker runs it after this synchronous check)

  // not ported: "should be able to gracefully recover when an unexpected error occurs from provider and suppressErrors is true" — (durable emit: emit() stores one job per subscriber and returns; a worker runs it after this synchronous check)

  it('should be able to gracefully recover when an unexpected error occurs from request scoped', async () => {
    await app.init();

    const eventEmitter = app.get(EventEmitter2);
    const result = eventEmitter.emit('error-handling.request-scoped');

    expect(result).toBeTruthy();
  });

  it('should be able to gracefully recover when an unexpected error occurs from request scoped and suppressErrors is true', async () => {
    await app.init();

    const eventEmitter = app.get(EventEmitter2);
    const result = eventEmitter.emit(
      'error-handling-suppressed.request-scoped',
    );

    expect(result).toBeTruthy();
  });

  it('should throw when an unexpected error occurs from provider and suppressErrors is false', async () => {
    await app.init();

    const eventEmitter = app.get(EventEmitter2);
    await expect(
      eventEmitter.emitAsync('error-throwing.provider'),
    ).rejects.toThrow('This is a test error');
  });

  it('should throw when an unexpected error occurs from request scoped and suppressErrors is false', async () => {
    await app.init();

    const eventEmitter = app.get(EventEmitter2);
    await expect(
      eventEmitter.emitAsync('error-throwing.request-scoped'),
    ).rejects.toThrow('This is a test error');
  });

  // not ported: "should be able to wait until the event emitter is ready" — (durable emit: emit() stores one job per subscriber and returns; a worker runs it after this synchronous check (the readiness watcher itself resolves))

  it('should throw when an unexpected error occurs from durable request scoped and suppressErrors is false', async () => {
    await app.init();

    const eventEmitter = app.get(EventEmitter2);
    await expect(
      eventEmitter.emitAsync('error-throwing.durable-request-scoped'),
    ).rejects.toThrow('This is a test error');
  });

  it('should load durable provider once for different event emissions', async () => {
    await app.init();
    const eventEmitter = app.get(EventEmitter2);
    const [durableInstance] = await eventEmitter.emitAsync('durable');
    const [durableInstance2] = await eventEmitter.emitAsync('durable');
    expect(durableInstance).toBe(durableInstance2);
  });

  it('should load non-durable provider anew for different event emissions', async () => {
    await app.init();
    const eventEmitter = app.get(EventEmitter2);
    const [notDurableInstance] = await eventEmitter.emitAsync('not-durable');
    const [notDurableInstance2] = await eventEmitter.emitAsync('not-durable');
    expect(notDurableInstance).not.toBe(notDurableInstance2);
  });

  afterEach(async () => {
    await app.close();
  });
});
