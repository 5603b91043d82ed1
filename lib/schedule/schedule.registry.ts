import { Inject, Injectable } from '@nestjs/common';
import { BACKGROUND_CONFIG } from '../background.constants.js';
import { DEFAULT_QUEUE, type BackgroundConfig } from '../background.config.js';
import { assertKnownKeys, assertQueueName, integer } from '../background-options.checks.js';
import {
  DUPLICATE_SCHEDULE,
  INVALID_CRON,
  INVALID_INTERVAL,
  INVALID_OPTION,
  INVALID_TIME_ZONE,
  SCHEDULE_NAME,
  SCHEDULE_WINDOW,
  TIMEOUT_TOO_LONG,
} from '../background.messages.js';
import { InvalidOptionsError } from '../errors/invalid-options.error.js';
import type { SchedulerKind } from './compat/scheduler-registry.messages.js';
import { MAX_TIMER_MS } from '../worker/timer-delay.js';
import type { ScheduleMetadata } from './decorators/schedule.metadata.js';
import { SCHEDULE_JOB_PREFIX } from './schedule.constants.js';
import type { ScheduleDefinition } from './schedule-definition.interface.js';
import type { CronOptions, ScheduleTick } from './schedule-options.interface.js';
import { ScheduleTiming } from './schedule.timing.js';
import {
  CRON_DATE_PAST,
  INVALID_CRON_DATE,
  INVALID_UTC_OFFSET,
  OVERLAP_CONFLICT,
  THRESHOLD_WITH_RUN_ONCE,
  ZONE_AND_OFFSET,
} from './schedule.messages.js';

/** Each decorator's kind in `@nestjs/schedule`'s words (`SchedulerRegistry`'s messages). */
const SCHEDULER_KINDS: Record<ScheduleMetadata['kind'], SchedulerKind> = { cron: 'Cron Job', interval: 'Interval', timeout: 'Timeout' };

const OPTION_KEYS = ['scope', 'runOnStart', 'overlap', 'missed', 'startAt', 'endAt', 'limit', 'queue', 'disabled'] as const;
/** `@nestjs/schedule`'s own `@Cron` options, accepted on both decorator sets. */
const PEER_CRON_KEYS = ['name', 'timeZone', 'utcOffset', 'waitForCompletion', 'initialDelay', 'threshold', 'unrefTimeout', 'disabled'] as const;
const CRON_OPTION_KEYS = [...OPTION_KEYS, ...PEER_CRON_KEYS] as const;

/** A schedule of this process: its definition, when it ticks, and for `scope: 'instance'` the method to call. */
export interface DeclaredSchedule {
  definition: ScheduleDefinition;
  /** Null for a `@Timeout`. */
  timing: ScheduleTiming | null;
  call?: (tick: ScheduleTick) => unknown;
  /** `disabled: true`: declared (its name is taken) but never run. */
  disabled: boolean;
}

/** The schedules declared in this process by `@Interval`, `@Cron` and `@Timeout`, validated. */
@Injectable()
export class ScheduleRegistry {
  private readonly schedules = new Map<string, DeclaredSchedule>();

  constructor(@Inject(BACKGROUND_CONFIG) private readonly config: BackgroundConfig) {}

  /** False for a kind switched off in this process (`schedule: { cronJobs: false }`): it is not declared here. */
  switchedOn(kind: ScheduleMetadata['kind']): boolean {
    const { cronJobs, intervals, timeouts } = this.config.schedule;
    return kind === 'cron' ? cronJobs : kind === 'interval' ? intervals : timeouts;
  }

  /** Validates one decorator's schedule; `target` is `Class@method`, `fallbackName` `Class.method`. */
  declare(metadata: ScheduleMetadata, target: string, fallbackName: string): DeclaredSchedule {
    const decorator = `@${metadata.kind[0]!.toUpperCase()}${metadata.kind.slice(1)}()`;
    const where = `${decorator} on ${target}`;
    const options: CronOptions = metadata.options ?? {};
    // an adopted @Cron takes only what @nestjs/schedule's does
    const known = metadata.kind !== 'cron' ? OPTION_KEYS : metadata.adopted ? PEER_CRON_KEYS : CRON_OPTION_KEYS;
    assertKnownKeys(`${where} options`, options, known);
    const name = metadata.name ?? fallbackName;
    assertScheduleName(where, name);
    const existing = this.schedules.get(name);
    if (existing) throw new InvalidOptionsError(DUPLICATE_SCHEDULE(SCHEDULER_KINDS[metadata.kind], name, existing.definition.target!, target));
    const queue = options.queue ?? DEFAULT_QUEUE;
    assertQueueName(where, queue);
    const definition: ScheduleDefinition = {
      name,
      job: `${SCHEDULE_JOB_PREFIX}${name}`,
      queue,
      scope: oneOf(where, 'scope', options.scope, ['cluster', 'instance'], 'cluster'),
      source: 'decorator',
      runOnStart: flag(where, 'runOnStart', options.runOnStart),
      overlap: overlapOf(where, options, metadata.adopted === true),
      missed: oneOf(where, 'missed', options.missed, ['skip', 'runOnce'], 'skip'),
      startAt: instant(where, 'startAt', options.startAt),
      endAt: instant(where, 'endAt', options.endAt),
      limit: integer(where, 'limit', options.limit, 0, 1),
      target,
      ...peerCronOptions(where, options),
    };
    if (metadata.adopted) definition.adopted = true;
    if (definition.threshold !== undefined && options.missed === 'runOnce') throw new InvalidOptionsError(THRESHOLD_WITH_RUN_ONCE(where));
    if (definition.startAt !== undefined && definition.endAt !== undefined && definition.endAt < definition.startAt) {
      throw new InvalidOptionsError(SCHEDULE_WINDOW(where));
    }
    if (metadata.kind === 'timeout') definition.timeout = timeoutMs(where, metadata.ms);
    else if (metadata.kind === 'interval') definition.every = positive(where, metadata.ms);
    else if (isInstant(metadata.expression)) definition.at = oneOff(where, metadata.expression, definition.disabled === true);
    else Object.assign(definition, { cron: metadata.expression, timeZone: options.timeZone });
    const declared: DeclaredSchedule = {
      definition,
      timing: metadata.kind === 'timeout' ? null : timingOf(where, definition),
      disabled: definition.disabled === true,
    };
    this.schedules.set(name, declared);
    return declared;
  }

  get(name: string): DeclaredSchedule | undefined {
    return this.schedules.get(name);
  }

  all(): DeclaredSchedule[] {
    return [...this.schedules.values()];
  }
}

/** When a definition ticks; throws InvalidOptionsError naming `where` for a bad expression or time zone. */
export function timingOf(where: string, definition: ScheduleDefinition): ScheduleTiming {
  const { every, cron, timeZone, utcOffset, at, startAt, endAt } = definition;
  if (cron !== undefined) {
    if (typeof cron !== 'string') throw new InvalidOptionsError(INVALID_CRON(where, cron, 'a string is expected'));
    if (timeZone !== undefined && (typeof timeZone !== 'string' || !isTimeZone(timeZone))) {
      throw new InvalidOptionsError(INVALID_TIME_ZONE(where, timeZone));
    }
  }
  try {
    return new ScheduleTiming({ every, cron, timeZone, utcOffset, at, startAt, endAt });
  } catch (error) {
    throw new InvalidOptionsError(INVALID_CRON(where, cron, (error as Error).message));
  }
}

export function positive(where: string, ms: unknown): number {
  if (typeof ms !== 'number' || !Number.isInteger(ms) || ms <= 0) throw new InvalidOptionsError(INVALID_INTERVAL(where, ms));
  return ms;
}

/** A @Timeout's wait, which one Node timer waits: past MAX_TIMER_MS it would fire at once. */
function timeoutMs(where: string, ms: unknown): number {
  const timeout = positive(where, ms);
  if (timeout > MAX_TIMER_MS) throw new InvalidOptionsError(TIMEOUT_TOO_LONG(where, timeout, MAX_TIMER_MS));
  return timeout;
}

export function assertScheduleName(where: string, name: unknown): asserts name is string {
  if (typeof name !== 'string' || !/^[\w.:@-]{1,100}$/.test(name)) throw new InvalidOptionsError(SCHEDULE_NAME(where, name));
}

function isTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone });
    return true;
  } catch {
    return false;
  }
}

function flag(where: string, key: string, value: unknown): boolean {
  if (value === undefined) return false;
  if (typeof value !== 'boolean') throw new InvalidOptionsError(INVALID_OPTION(where, key, 'true or false', value));
  return value;
}

function oneOf<T extends string>(where: string, key: string, value: unknown, allowed: T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (!allowed.includes(value as T)) {
    throw new InvalidOptionsError(INVALID_OPTION(where, key, allowed.map((a) => `'${a}'`).join(' or '), value));
  }
  return value as T;
}

function instant(where: string, key: string, value: unknown): number | undefined {
  if (value === undefined) return undefined;
  const at = value instanceof Date ? value.getTime() : value;
  if (typeof at !== 'number' || !Number.isFinite(at)) {
    throw new InvalidOptionsError(INVALID_OPTION(where, key, 'a valid Date or epoch milliseconds', value));
  }
  return at;
}

/** The options `@nestjs/schedule`'s `@Cron` brings, checked; absent ones are left out of the definition. */
function peerCronOptions(where: string, options: CronOptions): Partial<ScheduleDefinition> {
  const { utcOffset, timeZone } = options;
  if (utcOffset !== undefined && timeZone !== undefined) throw new InvalidOptionsError(ZONE_AND_OFFSET(where));
  if (utcOffset !== undefined && (typeof utcOffset !== 'number' || !Number.isInteger(utcOffset) || utcOffset < -720 || utcOffset > 840)) {
    throw new InvalidOptionsError(INVALID_UTC_OFFSET(where, utcOffset));
  }
  const picked: Partial<ScheduleDefinition> = {
    utcOffset,
    threshold: integer(where, 'threshold', options.threshold, undefined, 0),
    initialDelay: integer(where, 'initialDelay', options.initialDelay, undefined, 0),
    unref: flag(where, 'unrefTimeout', options.unrefTimeout) || undefined,
    disabled: flag(where, 'disabled', options.disabled) || undefined,
  };
  return Object.fromEntries(Object.entries(picked).filter(([, value]) => value !== undefined));
}

/**
 * `overlap`, or its `@nestjs/schedule` name `waitForCompletion` (its opposite). Without either, an
 * adopted decorator overlaps, as its timer in @nestjs/schedule does not wait; ours does not.
 */
function overlapOf(where: string, options: CronOptions, adopted: boolean): boolean {
  const { overlap, waitForCompletion } = options;
  if (waitForCompletion === undefined) return overlap === undefined ? adopted : flag(where, 'overlap', overlap);
  const waits = flag(where, 'waitForCompletion', waitForCompletion);
  if (overlap !== undefined && flag(where, 'overlap', overlap) === waits) throw new InvalidOptionsError(OVERLAP_CONFLICT(where));
  return !waits;
}

/** A `Date` (or a Luxon `DateTime`, which `@nestjs/schedule` takes too) given as the cron time. */
function isInstant(value: unknown): value is Date | { toMillis(): number } {
  return value instanceof Date || (value !== null && typeof value === 'object' && typeof (value as { toMillis?: unknown }).toMillis === 'function');
}

/** A one-off time: valid, and (unless disabled) ahead, as `@nestjs/schedule` requires at bootstrap. */
function oneOff(where: string, value: Date | { toMillis(): number }, disabled: boolean): number {
  const at = value instanceof Date ? value.getTime() : value.toMillis();
  if (!Number.isFinite(at)) throw new InvalidOptionsError(INVALID_CRON_DATE(where));
  if (!disabled && at <= Date.now()) throw new InvalidOptionsError(CRON_DATE_PAST(where, at));
  return at;
}
