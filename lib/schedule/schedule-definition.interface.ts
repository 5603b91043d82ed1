import type { MissedTickPolicy, ScheduleScope } from './schedule-options.interface.js';

/** A schedule with every option resolved, as stored for the whole cluster (JSON) and run by clocks. */
export interface ScheduleDefinition {
  name: string;
  /** The job each tick is: `schedule:<name>`, or the job name given to `SchedulerService.add`. */
  job: string;
  queue: string;
  scope: ScheduleScope;
  source: 'decorator' | 'runtime';
  every?: number;
  cron?: string;
  timeZone?: string;
  /** Minutes from UTC the expression is read in (`utcOffset`), instead of `timeZone`. */
  utcOffset?: number;
  /** A one-off `@Cron(date)`: the one tick (epoch ms). */
  at?: number;
  /** A `@Timeout`: once, this long after the process started. */
  timeout?: number;
  runOnStart: boolean;
  overlap: boolean;
  missed: MissedTickPolicy;
  startAt?: number;
  endAt?: number;
  /** 0 = no limit. */
  limit: number;
  /** A tick that starts more than this many ms late is missed. */
  threshold?: number;
  /** No tick before this many ms after a process started the schedule. */
  initialDelay?: number;
  /** The process's timer of the schedule is unref'd. */
  unref?: boolean;
  /** Declared but never run. */
  disabled?: boolean;
  /** Declared by a `@nestjs/schedule` decorator (adopted). */
  adopted?: boolean;
  /** The payload of each tick of a schedule added at runtime. */
  data?: unknown;
  /** `Class@method`, for a decorated schedule. */
  target?: string;
}
