import { Injectable } from '@nestjs/common';
import {
  InvalidOptionsError,
  InvalidPayloadError,
  OnEvent,
  Retry,
  defineEvent,
  type EventContext,
  type EventPayload,
} from '../lib/index.js';
import { createTestApp, type TestApp } from './support/test-app.js';

// `npm test` type-checks this file with tsc before Jest runs it: the @ts-expect-error lines
// fail the build if the wrong payload ever stops being a compile error.
const OrderPlaced = defineEvent<{ orderId: string; total: number }>('order.placed');

@Injectable()
class OrderSubscribers {
  static seen: EventPayload<typeof OrderPlaced>[] = [];

  @OnEvent(OrderPlaced)
  placed(payload: { orderId: string; total: number }, _ctx: EventContext) {
    OrderSubscribers.seen.push(payload);
  }
}

@Injectable()
class MistypedSubscribers {
  // @ts-expect-error the subscriber's payload type does not match the definition
  @OnEvent(OrderPlaced)
  placed(payload: { sku: number }) {
    return payload.sku;
  }
}

describe('typed events', () => {
  it('ties an event name to its payload type for @OnEvent and emit', async () => {
    const app = await createTestApp({ storage: 'memory' }, [OrderSubscribers]);
    const { jobIds } = await app.jobs.emit(OrderPlaced, { orderId: 'o-1', total: 3 });
    // @ts-expect-error total must be a number
    await expect(app.jobs.emit(OrderPlaced, { orderId: 'o-2', total: '3' })).resolves.toHaveProperty('subscribers', 1);
    await app.jobs.waitFor(jobIds[0]!);
    expect(OrderSubscribers.seen[0]).toEqual({ orderId: 'o-1', total: 3 });
    expect(MistypedSubscribers).toBeDefined();
    await app.close();
  });
});

describe('bad event input is refused at the call that made it', () => {
  let app: TestApp;
  beforeAll(async () => (app = await createTestApp({ storage: 'memory', workers: false }, [OrderSubscribers])));
  afterAll(() => app.close());

  it.each([
    ['an empty name', '', 'emit(): the event name "" is invalid: it must be a non-empty string, or a definition made with defineEvent()'],
    ['a number', 42, 'emit(): the event name number is invalid: it must be a non-empty string, or a definition made with defineEvent()'],
    ['a wildcard', 'order.*', 'emit(): the event name "order.*" is invalid: an emitted event names one event; wildcards belong in @OnEvent() patterns'],
    [
      'an empty segment',
      'order..placed',
      'emit(): the event name "order..placed" is invalid: its segments, separated by ".", must be non-empty and hold letters, digits, "_", "-", ":", "@" and "$" only',
    ],
  ])('refuses %s as an event name', async (_what, name, message) => {
    const call = app.jobs.emit(name as string, {});
    await expect(call).rejects.toThrow(InvalidOptionsError);
    await expect(call).rejects.toThrow(`${message}. Name events like "order.placed".`);
  });

  it.each([
    ['a BigInt', { amount: 10n }, 'payload.amount is a BigInt; send it as a string (value.toString()) and parse it in the handler'],
    ['undefined', undefined, 'the payload is undefined; pass null or an object instead'],
  ])('refuses a payload with %s, naming the event', async (_what, payload, problem) => {
    const call = app.jobs.emit('order.placed', payload);
    await expect(call).rejects.toThrow(InvalidPayloadError);
    await expect(call).rejects.toThrow(`The payload of event "order.placed" cannot be stored as JSON: ${problem}.`);
  });

  it('refuses unknown options and an invalid event id', async () => {
    await expect(app.jobs.emit('order.placed', {}, { ide: 'x' } as never)).rejects.toThrow(
      `Unknown option "ide" in emit('order.placed') options. Valid options are: id.`,
    );
    await expect(app.jobs.emit('order.placed', {}, { id: '' })).rejects.toThrow(
      `Invalid emit('order.placed') option "id": expected a non-empty string of at most 200 characters, got "".`,
    );
    expect((await app.jobs.getStats()).queues.default?.waiting ?? 0).toBe(0);
  });
});

@Injectable()
class BadPattern {
  @OnEvent('order.*ed')
  handle() {}
}

@Injectable()
class EmptySegment {
  @OnEvent('order.')
  handle() {}
}

@Injectable()
class StackedDisagree {
  @OnEvent('order.placed', { attempts: 3 })
  @OnEvent('order.paid', { attempts: 5 })
  handle() {}
}

@Injectable()
class UnknownOption {
  @OnEvent('order.placed', { retries: 3 } as never)
  handle() {}
}

@Injectable()
class TwoSubscribersOneName {
  @OnEvent('order.placed', { name: 'mailer' })
  first() {}

  @OnEvent('order.paid', { name: 'mailer' })
  second() {}
}

@Injectable()
class RetryOnSubscriber {
  @OnEvent('order.placed')
  @Retry({ attempts: 4 })
  handle() {}
}

describe('bad @OnEvent declarations fail the bootstrap, naming Class@method', () => {
  it.each([
    [
      BadPattern,
      `@OnEvent('order.*ed') on BadPattern@handle: the pattern "order.*ed" is invalid: "*ed" mixes "*" with other characters; "*" and "**" stand alone between dots. Use segments separated by ".", with "*" for one segment and "**" for any number, e.g. "order.*" or "order.**".`,
    ],
    [EmptySegment, `@OnEvent('order.') on EmptySegment@handle: the pattern "order." is invalid: it has an empty segment (a leading, trailing or double ".").`],
    [StackedDisagree, 'The @OnEvent() decorators stacked on StackedDisagree@handle give different values of "attempts". Give the options once, on one of them.'],
    [UnknownOption, `Unknown option "retries" in @OnEvent('order.placed') on UnknownOption@handle options. Valid options are: name, queue, concurrency, priority, timeoutMs, attempts, suppressErrors, prependListener, async, nextTick, promisify, objectify, wildcard.`],
    [
      TwoSubscribersOneName,
      'Two handlers are registered for job "mailer": TwoSubscribersOneName@first and TwoSubscribersOneName@second. Give one of them another name, or remove one @Job decorator.',
    ],
  ])('%p', async (provider, message) => {
    await expect(createTestApp({ storage: 'memory' }, [provider])).rejects.toThrow(message);
  });

  it('accepts @Retry on a subscriber: it is a job handler', async () => {
    const app = await createTestApp({ storage: 'memory', workers: false }, [RetryOnSubscriber]);
    const { jobIds } = await app.jobs.emit('order.placed', {});
    expect(await app.jobs.getJob(jobIds[0]!)).toMatchObject({ name: 'RetryOnSubscriber@handle', maxAttempts: 4 });
    await app.close();
  });
});
