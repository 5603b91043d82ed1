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
  /** A `@Timeout`: once, this long after the process started. */
  timeout?: number;
  runOnStart: boolean;
  overlap: boolean;
  missed: MissedTickPolicy;
  startAt?: number;
  endAt?: number;
  /** 0 = no limit. */
  limit: number;
  /** The payload of each tick of a schedule added at runtime. */
  data?: unknown;
  /** `Class@method`, for a decorated schedule. */
  target?: string;
}
