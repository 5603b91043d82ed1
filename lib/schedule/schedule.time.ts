import type { ScheduleStore } from '../engine/ports/schedule-store.interface.js';

/** Readings per `sync()`: the quickest round trip of a few bounds the offset closest. */
const SAMPLES = 3;

/**
 * This process's reading of storage's clock, by which every tick's due time is set and judged
 * (ticks are stored as delays that storage adds to its own time, and `start` asks storage's time
 * whether a tick was missed): a host whose clock is off by a period or more would otherwise store
 * every tick late, to be skipped as missed, or early. `sync()` measures the offset in a few round
 * trips; `now()` costs nothing.
 */
export class ScheduleTime {
  private offset = 0;

  constructor(private readonly store: ScheduleStore) {}

  /** Storage's time now (epoch ms), as of the last `sync()`; this process's own clock before the first. */
  now(): number {
    return Date.now() + this.offset;
  }

  /** Measures the offset again; resolves false (keeping the last one) if storage did not answer. */
  async sync(): Promise<boolean> {
    try {
      let offset = -Infinity;
      for (let sample = 0; sample < SAMPLES; sample++) {
        const time = await this.store.time();
        // storage read its clock before its answer arrived: `now()` is never ahead of storage's
        // time, so a tick stored with a delay from it runs late by a round trip at most, never early
        offset = Math.max(offset, time - Date.now());
      }
      this.offset = offset;
      return true;
    } catch {
      return false;
    }
  }
}
