/**
 * The longest a Node timer waits. Asked to wait longer, it fires after 1 ms instead (with a
 * TimeoutOverflowWarning): a worker that re-arms such a timer each time it fires spins.
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** `ms` as a timer can wait it: a longer wait ends at the longest, after which its owner looks again. */
export function timerDelay(ms: number): number {
  return Math.min(Math.max(0, ms), MAX_TIMER_MS);
}
