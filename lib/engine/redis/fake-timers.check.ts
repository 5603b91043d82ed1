import { REDIS_UNDER_FAKE_TIMERS } from '../../background.messages.js';
import { InvalidOptionsError } from '../../errors/invalid-options.error.js';
import { fakedTimer } from '../fake-timers.js';

/**
 * Throws, naming the fix, when a test's fake timers replaced the timers a Redis connection needs.
 * Under them `app.init()` would wait forever on a connection whose timers never fire, and Redis's
 * clock, which judges due times, would not move.
 */
export function assertRealTimers(): void {
  const name = fakedTimer();
  if (name !== undefined) throw new InvalidOptionsError(REDIS_UNDER_FAKE_TIMERS(name));
}
