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
