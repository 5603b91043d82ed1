import type { MissedTickPolicy } from '../engine/ports/schedule-store.interface.js';
import type { JobState } from '../interfaces/job-info.interface.js';

/**
 * `'cluster'`: each tick runs once across every process of the cluster, as a job.
 * `'instance'`: every process runs the method on its own timer (a local cache to refresh).
 * @publicApi
 */
export type ScheduleScope = 'cluster' | 'instance';

export type { MissedTickPolicy } from '../engine/ports/schedule-store.interface.js';

/** Options shared by `@Interval` and `@Cron`. @publicApi */
export interface ScheduleOptions {
  /** @default 'cluster' */
  scope?: ScheduleScope;
  /** Also run once when the schedule starts (in the cluster: when the first process starts it). @default false */
  runOnStart?: boolean;
  /** Let a tick start while the previous run is still active. @default false (the tick is skipped) */
  overlap?: boolean;
  /** @default 'skip' */
  missed?: MissedTickPolicy;
  /** No tick before this time; an interval counts its periods from it. */
  startAt?: Date | number;
  /** No tick after this time. */
  endAt?: Date | number;
  /** Runs in total (across the cluster), then the schedule stops. */
  limit?: number;
  /** The queue its ticks run in (cluster scope). @default 'default' */
  queue?: string;
  /** Declared but never run. @default false */
  disabled?: boolean;
}

/**
 * `@Cron(expression, options)`: every option of `@nestjs/schedule`'s `@Cron` (with the meaning it
 * has in a cluster, see docs/schedule-migration.md) and those of `ScheduleOptions`.
 * @publicApi
 */
export interface CronOptions extends ScheduleOptions {
  /** @default the class and method, `Class.method` */
  name?: string;
  /** An IANA time zone (`'Europe/Paris'`) the expression is read in. @default the process's */
  timeZone?: string;
  /** A fixed offset from UTC in minutes (`-300`, `330`) the expression is read in, instead of `timeZone`. */
  utcOffset?: number;
  /** `true`: a tick due while the previous run is still going is skipped (as `overlap: false`). @default !overlap */
  waitForCompletion?: boolean;
  /** No tick before this many ms after this process started the schedule. @default 0 */
  initialDelay?: number;
  /** A tick that starts more than this many ms after its due time is skipped as missed. @default none: a tick is missed once the next one is due */
  threshold?: number;
  /** This process's timer of the schedule does not keep the event loop alive. @default false */
  unrefTimeout?: boolean;
}

/**
 * `BackgroundModule.forRoot({ schedule })`: the switches of `ScheduleModule.forRoot()`. A kind
 * switched off is not declared by this process at all (neither decorator set): it neither stores
 * nor runs its ticks; other processes of the cluster that switch it on do.
 * @publicApi
 */
export interface ScheduleSwitches {
  /** `@Cron` methods. @default true */
  cronJobs?: boolean;
  /** `@Interval` methods. @default true */
  intervals?: boolean;
  /** `@Timeout` methods. @default true */
  timeouts?: boolean;
}

/** What a tick's job carries, and what a scheduled method receives as its first argument. @publicApi */
export interface ScheduleTick {
  schedule: string;
  /** When the tick was due (epoch ms). */
  due: number;
  /** Made by `SchedulerService.trigger`. */
  manual?: boolean;
}

/** When a schedule added at runtime ticks: every `every` ms, or on a cron expression. @publicApi */
export type ScheduleTiming = { every: number } | { cron: string; timeZone?: string };

/** A schedule as `SchedulerService.list()` reports it. @publicApi */
export interface ScheduleInfo {
  name: string;
  /** The job each tick runs: `schedule:<name>` for a decorated method, the given job name for one added at runtime. */
  job: string;
  queue: string;
  scope: ScheduleScope;
  every?: number;
  cron?: string;
  timeZone?: string;
  /** `'decorator'`: declared in code; `'runtime'`: made by `SchedulerService.add`. */
  source: 'decorator' | 'runtime';
  paused: boolean;
  /** Declared with `disabled: true`: never runs (and has no `nextRunAt`). */
  disabled: boolean;
  /** The next tick, as this process computes it; null once it ended (`endAt`, `limit`) or for a schedule not declared here. */
  nextRunAt: Date | null;
  /** The due time of the last tick that started (or was stored, for a schedule added at runtime). */
  lastRunAt: Date | null;
  /** That tick's job: its state, or `'skipped'` when the tick found the schedule paused, still running, missed or at its limit. */
  lastOutcome: JobState | 'skipped' | null;
  lastJobId: string | null;
  /** The last error of that tick's job. */
  lastError: string | null;
  /** Ticks run so far (counted toward `limit`). */
  runs: number;
}
