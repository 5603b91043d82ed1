/**
 * Calls `task` every `ms` for housekeeping (lease renewals, route and schedule refreshes, flushes),
 * each call armed once the previous one's promise settled, where `setInterval` keeps a fixed
 * cadence. Housekeeping needs no more, and so it does not keep a test's fake clock busy: a
 * synchronous `jest.runAllTimers()` or `advanceTimersByTime(ms)` lets no promise settle, so each
 * such timer fires at most once in it, instead of forever (runAllTimers gave up after 100,000).
 * Under `advanceTimersByTimeAsync` and real timers it goes on at its period.
 */
export class RepeatingTimer {
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(
    private readonly ms: number,
    private readonly task: () => unknown,
    /** The timer does not keep the event loop alive. */
    private readonly unref = false,
  ) {}

  start(): this {
    this.arm();
    return this;
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer ?? undefined);
    this.timer = null;
  }

  private arm(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      const again = () => this.arm();
      new Promise((resolve) => resolve(this.task())).then(again, again);
    }, this.ms);
    if (this.unref) this.timer.unref();
  }
}
