import { nowMs, sleep } from '../clock.js';
import type { QueueMonitor, QueueSystem, SettleCounts } from '../systems/system.js';

/** Gap between two looks at the library's counts; a look is one or two round trips to Redis. */
export const SETTLE_POLL_MS = 1;

export interface Settled {
  /** Wall-clock time at which the library's own counts showed no unsettled job (nowMs). */
  at: number;
  /** Looks taken; 1 means the first look already saw every job settled. */
  polls: number;
  /** Duration of the deciding look: the stop time is at most this much (plus one gap) late. */
  lastPollMs: number;
  counts: SettleCounts;
}

/**
 * Looks at the library's job counts (its own counting call, over a connection separate from
 * the workers) every `SETTLE_POLL_MS` until no job is waiting, delayed, claimed or awaiting a
 * retry, i.e. every job is completed (or failed) in Redis. The stop time is when that answer
 * arrived, so it is late by at most one gap plus one round trip. Callers start this only near
 * the end (after the last handler start), so the looks cost Redis next to nothing.
 */
/** Creates the library's monitor and reads it once, so its first timed look is not a cold one. */
export async function warmMonitor(system: QueueSystem): Promise<QueueMonitor> {
  const monitor = await system.createMonitor();
  await monitor.counts();
  return monitor;
}

export async function waitUntilSettled(monitor: QueueMonitor, timeoutMs = 60_000): Promise<Settled> {
  const deadline = nowMs() + timeoutMs;
  for (let polls = 1; ; polls++) {
    const sentAt = nowMs();
    const counts = await monitor.counts();
    const at = nowMs();
    if (counts.unsettled === 0) return { at, polls, lastPollMs: at - sentAt, counts };
    if (at > deadline) throw new Error(`${counts.unsettled} job(s) still unsettled ${timeoutMs / 1000} s after the last handler start`);
    await sleep(SETTLE_POLL_MS);
  }
}
