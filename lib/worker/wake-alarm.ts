import { timerDelay } from './timer-delay.js';

/** The one timer that wakes an idle worker at the earliest due time it knows of. */
export class WakeAlarm {
  private timer: NodeJS.Timeout | null = null;
  private at = Infinity;

  constructor(private readonly fire: () => void) {}

  /**
   * Rings in `inMs` unless it is already set to ring sooner; null leaves it as it is. A due time
   * further off than a timer can wait rings early: the claim it brings sets the alarm again.
   */
  set(inMs: number | null): void {
    if (inMs === null) return;
    const at = performance.now() + inMs;
    if (at >= this.at) return;
    this.clear();
    this.at = at;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.at = Infinity;
      this.fire();
    }, timerDelay(inMs));
  }

  clear(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.at = Infinity;
  }
}
