import type { Reflector } from '@nestjs/core';
import type { ScheduleMetadata } from '../decorators/schedule.metadata.js';
import type { CronOptions } from '../schedule-options.interface.js';

/**
 * The metadata keys `@nestjs/schedule` writes (its `schedule.constants.ts`), by value: its entry
 * point does not export them (package.json `exports` has only `.`), and reading them by value needs
 * no import of the package, so an application without it loads nothing and is unaffected.
 * test/schedule-adopted.spec.ts applies the installed package's decorators and checks these keys.
 */
export const PEER_METADATA_KEYS = {
  type: 'SCHEDULER_TYPE',
  name: 'SCHEDULER_NAME',
  cron: 'SCHEDULE_CRON_OPTIONS',
  interval: 'SCHEDULE_INTERVAL_OPTIONS',
  timeout: 'SCHEDULE_TIMEOUT_OPTIONS',
} as const;

/** The provider token of `ScheduleModule.forRoot()`'s options, by which its presence is told. */
export const PEER_MODULE_OPTIONS = 'SCHEDULE_MODULE_OPTIONS';

/** `SchedulerType` of `@nestjs/schedule`: CRON = 1, TIMEOUT = 2, INTERVAL = 3. */
const PEER_KINDS: Record<number, ScheduleMetadata['kind']> = { 1: 'cron', 2: 'timeout', 3: 'interval' };

/**
 * A `@nestjs/schedule` decorator on the method, as one of ours would record it, marked `adopted`:
 * `@Cron` and `@Interval` run once per tick in the cluster, `@Timeout` in each process, as there.
 */
export function readPeerSchedule(reflector: Reflector, method: Function): ScheduleMetadata | undefined {
  const kind = PEER_KINDS[reflector.get<number>(PEER_METADATA_KEYS.type, method)];
  if (!kind) return undefined;
  const name = reflector.get<string | undefined>(PEER_METADATA_KEYS.name, method);
  if (kind === 'cron') {
    const { cronTime, ...options } = reflector.get<CronOptions & { cronTime?: unknown }>(PEER_METADATA_KEYS.cron, method) ?? {};
    return { kind, name: name ?? options.name, expression: cronTime, options, adopted: true };
  }
  const { timeout } = reflector.get<{ timeout?: unknown }>(PEER_METADATA_KEYS[kind], method) ?? {};
  // @Timeout is about the process that starts (in every process, as there); our @Timeout too
  return { kind, name, ms: timeout, options: kind === 'timeout' ? { scope: 'instance' } : {}, adopted: true };
}
