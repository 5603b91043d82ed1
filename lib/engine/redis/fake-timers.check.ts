import { REDIS_UNDER_FAKE_TIMERS } from '../../background.messages.js';
import { InvalidOptionsError } from '../../errors/invalid-options.error.js';

/**
 * Throws, naming the fix, when a test's fake timers replaced the timers a Redis connection needs
 * (`jest.useFakeTimers()`, `vi.useFakeTimers()`: @sinonjs/fake-timers marks its fakes with `clock`;
 * Jest's legacy timers are mock functions). Under them `app.init()` would wait forever on a
 * connection whose timers never fire, and Redis's clock, which judges due times, would not move.
 */
export function assertRealTimers(): void {
  const faked = (['setTimeout', 'setImmediate'] as const).find((name) => isFake(globalThis[name]));
  const name = faked ?? (isFake(process.nextTick) ? 'process.nextTick' : undefined);
  if (name !== undefined) throw new InvalidOptionsError(REDIS_UNDER_FAKE_TIMERS(name));
}

function isFake(fn: unknown): boolean {
  return typeof fn === 'function' && ('clock' in fn || (fn as { _isMockFunction?: unknown })._isMockFunction === true);
}
