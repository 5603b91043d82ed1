/**
 * What becomes of a tick that could not start before the next one fell due, because no process
 * was up (or the queue was paused or too busy): `'skip'` drops it, `'runOnce'` runs it once, late.
 * @publicApi
 */
export type MissedTickPolicy = 'skip' | 'runOnce';

/** Whether the calling process stores the tick it asked about (`advance`). */
export type AdvanceVerdict = 'enqueue' | 'taken' | 'paused' | 'limit' | 'removed';

/** Whether a tick that starts runs the method (`start`); any other answer skips it, saying why. */
export type StartVerdict = 'run' | 'paused' | 'overlap' | 'missed' | 'limit';

export interface TickStart {
  due: number;
  /** The tick's job id. */
  id: string;
  manual: boolean;
  overlap: boolean;
  missed: MissedTickPolicy;
  /** When the next tick falls due; null if none will. */
  followingDue: number | null;
  /** 0 = no limit. */
  limit: number;
  /** How long the run holds the schedule (for `overlap: false`) unless renewed. */
  holdMs: number;
}

/** A schedule's state in storage. */
export interface ScheduleReading {
  paused: boolean;
  runs: number;
  /** The latest tick stored ahead (its due time). */
  ahead?: number;
  /** The due time and job id of the last tick that started. */
  last?: number;
  lastId?: string;
}

/**
 * The cluster's schedules as an engine keeps them: their definitions, which process stores each
 * tick, pauses, runs and which tick holds a schedule. Every method that changes one is one atomic
 * step; the ticks themselves are ordinary jobs.
 */
export interface ScheduleStore {
  /** Records a schedule's definition, so that every process can list and run it; false if one exists and `replace` is false. */
  define(name: string, definition: string, replace: boolean): Promise<boolean>;
  /** Every definition, by schedule name. */
  definitions(): Promise<Map<string, string>>;
  /** Forgets a schedule and its state; resolves with its tick stored ahead (to cancel), null if it was not defined. */
  remove(name: string): Promise<{ ahead?: number } | null>;
  /**
   * Claims the tick due at `due` for the caller, unless this or a later tick was claimed already:
   * of any number of processes asking, one gets `'enqueue'` and stores the tick. With `idPrefix`
   * (a schedule added at runtime, whose ticks are the user's own jobs), the tick stored ahead
   * before this one is recorded as the last run.
   */
  advance(name: string, due: number, limit: number, idPrefix?: string): Promise<AdvanceVerdict>;
  /** Decides, as a tick of a decorated schedule starts, whether it runs; if so it holds the schedule. */
  start(name: string, tick: TickStart): Promise<StartVerdict>;
  /** Extends the hold of tick `id` to `holdMs` from now, or ends it (`holdMs` 0); nothing if another tick holds it. */
  hold(name: string, id: string, holdMs: number): Promise<void>;
  /** Pauses or resumes one schedule, or (`name` null) all: resuming all also resumes each one paused alone. */
  setPaused(name: string | null, paused: boolean): Promise<void>;
  read(names: string[]): Promise<ScheduleReading[]>;
  /**
   * Calls `onChange` whenever a process adds or removes a schedule at runtime (best effort: a
   * process also reads the definitions again every minute). Resolves once listening.
   */
  watch(onChange: () => void): Promise<void>;
  /** Storage's own clock (epoch ms), by which `start` and `hold` judge times and delayed jobs fall due. */
  time(): Promise<number>;
}
