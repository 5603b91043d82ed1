/**
 * Which of the timers a process runs on a test replaced with fakes (`jest.useFakeTimers()`,
 * `vi.useFakeTimers()`: @sinonjs/fake-timers marks its fakes with `clock`; Jest's legacy timers
 * are mock functions), or undefined under real timers. Read at each use: a test fakes and
 * restores timers while the application runs.
 */
export function fakedTimer(): string | undefined {
  const faked = (['setTimeout', 'setImmediate'] as const).find((name) => isFake(globalThis[name]));
  return faked ?? (isFake(process.nextTick) ? 'process.nextTick' : undefined);
}

/** Whether `setTimeout` is a test's fake now: its callbacks run when the test moves the fake clock. */
export function timersAreFake(): boolean {
  return isFake(globalThis.setTimeout);
}

function isFake(fn: unknown): boolean {
  return typeof fn === 'function' && ('clock' in fn || (fn as { _isMockFunction?: unknown })._isMockFunction === true);
}
