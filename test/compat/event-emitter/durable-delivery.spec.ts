// Not from the peer's suite: what its skipped tests check synchronously after emit(), checked once the durable jobs
// have run, on the peer's own fixtures (its AppModule, its @OnEvent from @nestjs/event-emitter), on memory and Redis.
import { jest } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { JobsService } from '../../../lib/index.js';
import { RedisServer } from '../../support/redis-server.js';
import { AppModule } from './src/app.module.js';
import { useStorage } from './src/background.js';
import { TEST_EVENT_MULTIPLE_PAYLOAD, TEST_EVENT_PAYLOAD, TEST_EVENT_STRING_PAYLOAD } from './src/constants.js';
import { CUSTOM_DECORATOR_EVENT } from './src/custom-decorator-test.constants.js';
import { CustomEventDecoratorConsumer } from './src/custom-decorator-test.consumer.js';
import { EventsControllerConsumer } from './src/events-controller.consumer.js';
import { EventsProviderAliasedConsumer } from './src/events-provider-aliased.consumer.js';
import { EventsProviderPrependConsumer } from './src/events-provider-prepend.consumer.js';
import { EventsProviderConsumer } from './src/events-provider.consumer.js';
import { EventsProviderRequestScopedConsumer } from './src/events-provider.request-scoped.consumer.js';
import { RequestScopedEventPayload } from './src/request-scoped-event-payload.js';

/** Eventually true, within a generous deadline (the test machine is busy). */
async function until(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Every stored job has settled: none waiting, delayed or active. */
async function settled(app: INestApplication): Promise<boolean> {
  const { queues } = await app.get(JobsService).getStats();
  return Object.values(queues).every((counts) => counts.waiting === 0 && counts.delayed === 0 && counts.active === 0);
}

describe.each(['memory', 'redis'] as const)("the peer's fixtures, once the durable jobs have run (%s)", (storage) => {
  let server: RedisServer | undefined;
  let app: INestApplication | undefined;
  let prefixes = 0;

  beforeAll(async () => {
    if (storage === 'redis') server = await RedisServer.start();
    useStorage(() => (storage === 'memory' ? { storage } : { connection: server!.url, prefix: `dd${++prefixes}` }));
  });
  beforeEach(async () => {
    EventsProviderRequestScopedConsumer.injectedEventPayload = new RequestScopedEventPayload();
    const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
    moduleRef.useLogger(false);
    app = moduleRef.createNestApplication({ logger: false });
  });
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });
  afterAll(async () => server?.stop());

  it('the bootstrap emits reach providers, controllers, prepended, stacked and request-scoped subscribers, each once', async () => {
    const aliased = app!.get(EventsProviderAliasedConsumer);
    const aliasedSet = jest.spyOn(aliased, 'eventPayload', 'set');
    await app!.init();
    const injected = EventsProviderRequestScopedConsumer.injectedEventPayload;
    await until(() => app!.get(EventsProviderConsumer).stackedEventCalls === 2 && injected.arrayValue.length > 0, 'the bootstrap emits to run');
    // and nothing more comes of them
    await until(() => settled(app!), 'every job of the bootstrap emits to settle');

    expect(app!.get(EventsProviderConsumer).eventPayload).toEqual(TEST_EVENT_PAYLOAD);
    expect(app!.get(EventsProviderConsumer).stackedEventCalls).toBe(2);
    expect(app!.get(EventsControllerConsumer).eventPayload).toEqual(TEST_EVENT_PAYLOAD);
    expect(app!.get(EventsProviderPrependConsumer).eventPayload).toEqual(TEST_EVENT_PAYLOAD);
    // the `useExisting` alias is the same subscriber, not a second one
    expect(aliasedSet).toHaveBeenCalledTimes(1);
    // its constructor records REQUEST (the peer's EVENT_PAYLOAD): the payload of the job it was made for
    expect(injected.objectValue).toEqual(TEST_EVENT_PAYLOAD);
    expect(injected.stringValue).toEqual(TEST_EVENT_STRING_PAYLOAD);
    expect(injected.arrayValue).toEqual(TEST_EVENT_MULTIPLE_PAYLOAD);
  });

  it('a subscriber declared with non-array metadata (SetMetadata of the peer key) is reached', async () => {
    await app!.init();
    app!.get(EventEmitter2).emit(CUSTOM_DECORATOR_EVENT);

    await until(() => app!.get(CustomEventDecoratorConsumer).isEmitted, 'the custom-decorator subscriber');
  });

  it('a subscriber that throws does not break emit(), and its job runs (and is retried) on its own', async () => {
    const consumer = app!.get(EventsProviderConsumer);
    await app!.init();

    expect(app!.get(EventEmitter2).emit('error-handling.provider')).toBe(true);
    await until(() => consumer.errorHandlingCalls >= 1, 'the failing subscriber to run');
  });
});
