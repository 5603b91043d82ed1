import type { AdvanceVerdict, ScheduleReading, ScheduleStore, StartVerdict, TickStart } from '../engine/ports/schedule-store.interface.js';
import type { ClaimedJob, NewJob, StorageEngine } from '../engine/storage-engine.interface.js';
import { timersAreFake } from '../engine/fake-timers.js';

/** A schedule store whose steps can also be taken synchronously (the memory engine's). */
export interface SynchronousScheduleStore extends ScheduleStore {
  advanceNow(name: string, due: number, limit: number, idPrefix?: string): AdvanceVerdict;
  startNow(name: string, tick: TickStart): StartVerdict;
  readNow(names: string[]): ScheduleReading[];
  holdNow(name: string, id: string, holdMs: number): void;
  setPausedNow(name: string | null, paused: boolean): void;
}

/**
 * An engine that can store a tick, claim it and start its schedule in synchronous steps, so that
 * under a test's fake timers the tick's method runs inside its timer callback, as
 * `@nestjs/schedule`'s do: a test's synchronous `jest.advanceTimersByTime(ms)` sees the calls.
 * The tick is still a job (stored, claimed by this process's worker, settled the usual way). The
 * memory engine is one; the Redis engine is not (it refuses fake timers, fake-timers.check.ts).
 */
export interface SynchronousEngine extends StorageEngine {
  readonly schedules: SynchronousScheduleStore;
  enqueueNow(jobs: NewJob[]): { id: string; created: boolean }[];
  claimNow(queue: string, workerId: string, id: string): ClaimedJob | null;
}

/** The engine, if it can run ticks synchronously and the timers are a test's fakes now; otherwise null. */
export function synchronousNow(engine: StorageEngine): SynchronousEngine | null {
  return 'claimNow' in engine && timersAreFake() ? (engine as SynchronousEngine) : null;
}
