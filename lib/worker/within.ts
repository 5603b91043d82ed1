// the real timer, not the global a test's fake timers replace: app.close() and a health check wait real
// time, so that they end under fake timers too
import { clearTimeout, setTimeout } from 'node:timers';

/** Waits for `promise` at most `ms`; resolves with its value, or undefined once the time is up. */
export async function within<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const elapsed = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), Math.max(0, ms))));
    return await Promise.race([promise, elapsed]);
  } finally {
    clearTimeout(timer);
  }
}
