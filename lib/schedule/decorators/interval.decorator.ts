import type { ScheduleOptions } from '../schedule-options.interface.js';
import { scheduleDecorator } from './schedule.metadata.js';

/**
 * Runs the method every `ms` milliseconds, by default once per period across the whole cluster
 * (as a job: `@Retry` and `@CircuitBreaker` on the method apply). Periods are counted from
 * `startAt`, or from the epoch, so that every process agrees on them. The name defaults to
 * `Class.method`.
 * @publicApi
 */
export function Interval(ms: number, options?: ScheduleOptions): MethodDecorator;
export function Interval(name: string, ms: number, options?: ScheduleOptions): MethodDecorator;
export function Interval(nameOrMs: string | number, msOrOptions?: number | ScheduleOptions, options?: ScheduleOptions): MethodDecorator {
  const named = typeof nameOrMs === 'string';
  return scheduleDecorator({
    kind: 'interval',
    name: named ? nameOrMs : undefined,
    ms: named ? msOrOptions : nameOrMs,
    options: (named ? options : (msOrOptions as ScheduleOptions | undefined)) ?? {},
  });
}
