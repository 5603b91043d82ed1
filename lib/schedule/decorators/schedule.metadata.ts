import { extendArrayMetadata } from '@nestjs/common/utils/extend-metadata.util.js';
import { JOB_ARGS_METADATA } from '../../background.constants.js';
import { JOB_ARGS } from '../../background-params.factory.js';
import { SCHEDULE_METADATA } from '../schedule.constants.js';
import type { CronOptions } from '../schedule-options.interface.js';

/** One `@Interval`, `@Cron` or `@Timeout` on a method, as written (validated by the explorer). */
export interface ScheduleMetadata {
  kind: 'interval' | 'cron' | 'timeout';
  name?: unknown;
  ms?: unknown;
  expression?: unknown;
  options: CronOptions;
  /** Read from a `@nestjs/schedule` decorator: its meaning there decides the defaults (see SchedulePeerReader). */
  adopted?: boolean;
}

/** Adds one schedule to the method's list, so that several may stack on one method. */
export function scheduleDecorator(metadata: ScheduleMetadata): MethodDecorator {
  return (target: object, key: string | symbol, descriptor: PropertyDescriptor) => {
    extendArrayMetadata(SCHEDULE_METADATA, [metadata], descriptor.value);
    // where parameter decorators put theirs, so that pipes (@UsePipes) reach the tick, as on @Job
    Reflect.defineMetadata(JOB_ARGS_METADATA, JOB_ARGS, target.constructor, key);
    return descriptor;
  };
}
