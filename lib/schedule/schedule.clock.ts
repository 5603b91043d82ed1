import { MAX_TIMER_MS } from '../worker/timer-delay.js';
import type { ScheduleTiming } from './schedule.timing.js';

/**
 * A tick taken in synchronous steps, inside its timer callback, while `active()` (a test's fake
 * timers on an engine that can, see synchronous-engine.interface.ts): resolves as `tick` does.
 */
export interface SynchronousTick {
  active(): boolean;
  tick(due: number): boolean;
}

/**
 * One schedule's timer in this process: calls `tick(due)` for each due time, `lead` ms at most
 * before it (see `ScheduleTiming.lead`), until `tick` resolves false or `stop()`. Idle between ticks.
 * Due times are by `now` (storage's clock, see ScheduleTime), not this host's.
 */
export class ScheduleClock {
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(
    private readonly timing: ScheduleTiming,
    private readonly maxLead: number,
    private readonly now: () => number,
    private readonly tick: (due: number) => Promise<boolean>,
    private readonly onError: (error: Error, due: number) => void,
    /** `unrefTimeout`: the timer does not keep the event loop alive. */
    private readonly unref = false,
    private readonly synchronous?: SynchronousTick,
  ) {}

  /** Ticks for `first` (`atOnce`: now, to store it ahead, unless synchronous; else at its time), then for each one after it. */
  start(first: number | null, atOnce: boolean): void {
    if (first === null || this.stopped) return;
    if (atOnce && this.synchronous?.active() !== true) void this.fire(first);
    else this.arm(first);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private arm(due: number): void {
    if (this.stopped) return;
    // a synchronous tick runs at its due time, not stored ahead: the test's fake clock starts it
    const now = this.synchronous?.active() === true;
    const wait = due - (now ? 0 : this.timing.lead(due, this.maxLead)) - this.now();
    const fire = now ? () => this.fireNow(due) : () => void this.fire(due);
    this.timer = wait > MAX_TIMER_MS ? setTimeout(() => this.arm(due), MAX_TIMER_MS) : setTimeout(fire, Math.max(0, wait));
    if (this.unref) this.timer.unref?.();
  }

  private async fire(due: number): Promise<void> {
    this.timer = null;
    let goOn = true;
    try {
      goOn = await this.tick(due);
    } catch (error) {
      this.onError(error as Error, due);
    }
    this.next(due, goOn);
  }

  /** `fire`, in the timer's turn, the next tick armed in it too (as cron's timers are). */
  private fireNow(due: number): void {
    this.timer = null;
    let goOn = true;
    try {
      goOn = this.synchronous!.tick(due);
    } catch (error) {
      this.onError(error as Error, due);
    }
    this.next(due, goOn);
  }

  private next(due: number, goOn: boolean): void {
    if (!goOn || this.stopped) return;
    // after a stall (a blocked event loop, a slow storage) the ticks that fell meanwhile are not
    // stored one by one: the one just stored stands for them (the missed-tick policy decides)
    const next = this.timing.next(Math.max(due, this.now()));
    if (next !== null) this.arm(next);
  }
}
