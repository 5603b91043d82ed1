import type { CronExpression } from '../cron-expression.enum.js';
import type { CronOptions } from '../schedule-options.interface.js';
import { scheduleDecorator } from './schedule.metadata.js';

/**
 * Runs the method on a cron expression (five fields, or six with seconds first; a
 * `CronExpression` value), read by the `cron` package as `@nestjs/schedule` reads it, by default
 * once per tick across the whole cluster (as a job: `@Retry` and `@CircuitBreaker` apply). A `Date`
 * runs it once, at that time, once in the cluster.
 * @publicApi
 */
export const Cron = (expression: CronExpression | string | Date, options: CronOptions = {}): MethodDecorator =>
  scheduleDecorator({ kind: 'cron', name: options?.name, expression, options });
