import { RetryPolicy } from '../lib/retry/retry.policy.js';
import { UnrecoverableError } from '../lib/index.js';
import { NO_RETRY } from '../lib/engine/storage-engine.interface.js';

describe('the retry policy', () => {
  const exponential = { type: 'exponential' as const, delayMs: 100, maxDelayMs: 1000, jitter: false };

  it('doubles an exponential delay each attempt, up to maxDelayMs', () => {
    const policy = new RetryPolicy(exponential, undefined, 'Jobs@run');
    const schedule = [1, 2, 3, 4, 5].map((attempt) => policy.next(new Error('x'), attempt, 10));
    expect(schedule).toEqual([100, 200, 400, 800, 1000]);
  });

  it('keeps a fixed delay fixed', () => {
    const policy = new RetryPolicy({ ...exponential, type: 'fixed' }, undefined, 'Jobs@run');
    expect([1, 2, 3].map((attempt) => policy.next(new Error('x'), attempt, 10))).toEqual([100, 100, 100]);
  });

  it('spreads a jittered delay over [d/2, d], not all on one value', () => {
    const policy = new RetryPolicy({ ...exponential, jitter: true }, undefined, 'Jobs@run');
    const delays = Array.from({ length: 200 }, () => policy.next(new Error('x'), 3, 10));
    for (const delay of delays) {
      expect(delay).toBeGreaterThanOrEqual(200);
      expect(delay).toBeLessThanOrEqual(400);
    }
    expect(new Set(delays).size).toBeGreaterThan(10);
  });

  it('ends after the last attempt, on UnrecoverableError, and when retryIf says no, saying which', () => {
    const policy = new RetryPolicy(exponential, (error) => error.message !== 'fatal', 'Jobs@run');
    expect(policy.next(new Error('x'), 3, 3)).toBe(NO_RETRY.exhausted);
    expect(policy.next(new UnrecoverableError('bad card'), 1, 3)).toBe(NO_RETRY.unrecoverable);
    expect(policy.next(new Error('fatal'), 1, 3)).toBe(NO_RETRY.retryIf);
    expect(policy.next(new Error('x'), 1, 3)).toBe(100);
  });

  it('passes the attempt and its error to a backoff function; a broken one retries at once', () => {
    const calls: [number, string][] = [];
    const policy = new RetryPolicy((attempt, error) => (calls.push([attempt, error.message]), attempt * 7), undefined, 'Jobs@run');
    expect(policy.next(new Error('boom'), 2, 5)).toBe(14);
    expect(calls).toEqual([[2, 'boom']]);
    const broken = new RetryPolicy(() => Number.NaN, undefined, 'Jobs@run');
    expect(broken.next(new Error('boom'), 1, 5)).toBe(0);
  });
});
