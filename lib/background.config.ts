import type { RateLimitOptions } from './rate-limit/rate-limit-options.interface.js';
import { resolveRateLimit } from './rate-limit/rate-limit.resolve.js';
import { Cluster, Redis, type RedisOptions } from 'ioredis';
import { INVALID_OPTION, INVALID_REDIS_URL_ENV } from './background.messages.js';
import { assertKnownKeys, assertQueueName, integer } from './background-options.checks.js';
import { maskPassword } from './engine/redis/redis.address.js';
import { InvalidOptionsError } from './errors/invalid-options.error.js';
import { MAX_TIMER_MS } from './worker/timer-delay.js';
import type { ScheduleSwitches } from './schedule/schedule-options.interface.js';
import type {
  BackgroundModuleOptions,
  BackoffOptions,
  JobPriority,
} from './interfaces/background-options.interface.js';

/** The module options with every default applied; the only shape the runtime reads. */
export interface BackgroundConfig {
  connection: string | RedisOptions | Redis | Cluster;
  storage: 'redis' | 'memory';
  prefix: string;
  workers: boolean;
  /** `concurrency` only where set: see `queueConcurrency`. */
  queues: Record<string, { concurrency?: number; rateLimit?: RateLimitOptions }>;
  defaults: {
    attempts: number;
    backoff: Required<BackoffOptions>;
    timeoutMs: number;
    priority: number;
    keepCompleted: { count: number; ageMs: number };
  };
  deadLetter: { maxSize: number; maxAgeMs: number };
  leaseMs: number;
  maxStalls: number;
  noHandlerPatienceMs: number;
  shutdownTimeoutMs: number;
  maxPayloadBytes: number;
  enqueueTimeoutMs: number;
  logJobs: boolean;
  schedule: Required<ScheduleSwitches>;
}

export const DEFAULT_QUEUE = 'default';
export const DEFAULT_CONCURRENCY = 10;
/** Attempts of one job, first run included; more is a loop, not a retry policy. */
export const MAX_ATTEMPTS = 10_000;
/** Jobs one process runs at once in a queue, or of one handler. */
export const MAX_CONCURRENCY = 10_000;

const MODULE_OPTION_KEYS = [
  'connection', 'storage', 'prefix', 'workers', 'queues', 'defaults', 'deadLetter', 'leaseMs',
  'maxStalls', 'noHandlerPatienceMs', 'shutdownTimeoutMs', 'maxPayloadBytes', 'enqueueTimeoutMs', 'logJobs', 'isGlobal', 'schedule',
] as const;
const SCHEDULE_SWITCH_KEYS = ['cronJobs', 'intervals', 'timeouts'] as const;
const DEFAULTS_KEYS = ['attempts', 'backoff', 'timeoutMs', 'priority', 'keepCompleted'] as const;
const BACKOFF_KEYS = ['type', 'delayMs', 'maxDelayMs', 'jitter'] as const;
const KEEP_KEYS = ['count', 'ageMs'] as const;
const DEAD_LETTER_KEYS = ['maxSize', 'maxAgeMs'] as const;
const QUEUE_KEYS = ['concurrency', 'rateLimit'] as const;

const NAMED_PRIORITIES: Record<string, number> = { high: 10, normal: 0, low: -10 };
export const MAX_PRIORITY = 1000;

/** Validates `forRoot()` options and merges the defaults, in one place. */
export function resolveConfig(options: BackgroundModuleOptions = {}): BackgroundConfig {
  const where = 'BackgroundModule.forRoot()';
  assertKnownKeys(where, options, MODULE_OPTION_KEYS);
  const defaults = options.defaults ?? {};
  assertKnownKeys(`${where} defaults`, defaults, DEFAULTS_KEYS);
  const keep = defaults.keepCompleted ?? {};
  assertKnownKeys(`${where} defaults.keepCompleted`, keep, KEEP_KEYS);
  const deadLetter = options.deadLetter ?? {};
  assertKnownKeys(`${where} deadLetter`, deadLetter, DEAD_LETTER_KEYS);
  const schedule = options.schedule ?? {};
  assertKnownKeys(`${where} schedule`, schedule, SCHEDULE_SWITCH_KEYS);

  const queues: BackgroundConfig['queues'] = { [DEFAULT_QUEUE]: {} };
  for (const [name, queue] of Object.entries(options.queues ?? {})) {
    assertQueueName(where, name);
    assertKnownKeys(`${where} queues.${name}`, queue ?? {}, QUEUE_KEYS);
    queues[name] = {
      concurrency: integer(`${where} queues.${name}`, 'concurrency', queue?.concurrency, undefined, 1, MAX_CONCURRENCY),
      rateLimit: resolveRateLimit(`${where} queues.${name}`, queue?.rateLimit),
    };
  }
  const storage = options.storage ?? 'redis';
  if (storage !== 'redis' && storage !== 'memory') {
    throw new InvalidOptionsError(INVALID_OPTION(where, 'storage', "'redis' or 'memory'", storage));
  }
  const prefix = options.prefix ?? 'bg';
  if (typeof prefix !== 'string' || prefix === '' || /[{}:\s]/.test(prefix)) {
    throw new InvalidOptionsError(INVALID_OPTION(where, 'prefix', 'a non-empty string without braces, colons or spaces', prefix));
  }
  return {
    connection: resolveConnection(where, options.connection, storage),
    storage,
    prefix,
    workers: boolean(where, 'workers', options.workers, true),
    queues,
    defaults: {
      attempts: integer(where, 'defaults.attempts', defaults.attempts, 3, 1, MAX_ATTEMPTS),
      backoff: resolveBackoff(where, 'defaults.backoff', defaults.backoff, DEFAULT_BACKOFF),
      timeoutMs: integer(where, 'defaults.timeoutMs', defaults.timeoutMs, 0, 0),
      priority: resolvePriority(where, defaults.priority ?? 'normal'),
      keepCompleted: {
        count: integer(where, 'defaults.keepCompleted.count', keep.count, 1000, 0),
        ageMs: integer(where, 'defaults.keepCompleted.ageMs', keep.ageMs, 24 * 3600_000, 0),
      },
    },
    deadLetter: {
      maxSize: integer(where, 'deadLetter.maxSize', deadLetter.maxSize, 10_000, 0),
      maxAgeMs: integer(where, 'deadLetter.maxAgeMs', deadLetter.maxAgeMs, 7 * 24 * 3600_000, 0),
    },
    // timers wait these: a Node timer fires at once when asked to wait longer than MAX_TIMER_MS
    leaseMs: integer(where, 'leaseMs', options.leaseMs, 30_000, 100, MAX_TIMER_MS),
    maxStalls: integer(where, 'maxStalls', options.maxStalls, 2, 0),
    noHandlerPatienceMs: integer(where, 'noHandlerPatienceMs', options.noHandlerPatienceMs, 600_000, 0),
    shutdownTimeoutMs: integer(where, 'shutdownTimeoutMs', options.shutdownTimeoutMs, 10_000, 0, MAX_TIMER_MS),
    maxPayloadBytes: integer(where, 'maxPayloadBytes', options.maxPayloadBytes, 512 * 1024, 1),
    enqueueTimeoutMs: integer(where, 'enqueueTimeoutMs', options.enqueueTimeoutMs, 5000, 1, MAX_TIMER_MS),
    logJobs: boolean(where, 'logJobs', options.logJobs, false),
    schedule: {
      cronJobs: boolean(where, 'schedule.cronJobs', schedule.cronJobs, true),
      intervals: boolean(where, 'schedule.intervals', schedule.intervals, true),
      timeouts: boolean(where, 'schedule.timeouts', schedule.timeouts, true),
    },
  };
}

/**
 * How many jobs of `queue` run at once in this process, given the `concurrency` of each of its
 * handlers here (undefined: no limit of its own): the queue's own if set; otherwise the default
 * queue's (10 unless set), or its largest handler concurrency if that is more, so that
 * `@Job(name, { concurrency: 50 })` alone runs 50 at once. Where every handler has a limit, at most
 * their sum: more could never run (an emit's fan-out job, not counted, runs in those slots), and a
 * worker that asked storage for more jobs than its handlers may take would make it look through
 * hundreds a claim only to put them back.
 */
export function queueConcurrency(config: BackgroundConfig, queue: string, handlers: (number | undefined)[]): number {
  const limits = handlers.filter((limit) => limit !== undefined);
  const concurrency = config.queues[queue]?.concurrency ?? Math.max(config.queues[DEFAULT_QUEUE]?.concurrency ?? DEFAULT_CONCURRENCY, ...limits);
  if (limits.length === 0 || limits.length < handlers.length) return concurrency;
  return Math.min(concurrency, limits.reduce((sum, limit) => sum + limit, 0));
}

const CONNECTION_EXPECTED = 'a redis:// or rediss:// URL, an ioredis options object, or a Redis or Cluster instance';

function resolveConnection(where: string, connection: unknown, storage: string): BackgroundConfig['connection'] {
  if (connection === undefined) {
    const fromEnv = process.env.REDIS_URL;
    // the memory engine never reads it: a stray REDIS_URL must not stop a test run
    if (fromEnv !== undefined && storage === 'redis' && !isRedisUrl(fromEnv)) {
      throw new InvalidOptionsError(INVALID_REDIS_URL_ENV(maskPassword(fromEnv)));
    }
    return fromEnv ?? 'redis://127.0.0.1:6379';
  }
  if (typeof connection === 'string' ? isRedisUrl(connection) : isConnectionObject(connection)) {
    return connection as BackgroundConfig['connection'];
  }
  // a connection string is shown with its password masked: error messages end up in logs
  const shown = typeof connection === 'string' ? maskPassword(connection) : connection;
  throw new InvalidOptionsError(INVALID_OPTION(where, 'connection', CONNECTION_EXPECTED, shown));
}

function isRedisUrl(value: string): boolean {
  if (!URL.canParse(value)) return false;
  const url = new URL(value);
  // "rediss:/host" parses, with no host: ioredis would take what follows for a socket's path
  return ['redis:', 'rediss:'].includes(url.protocol) && url.hostname !== '';
}

/** ioredis reads any object as options; only a plain one (or one of its own clients) is meant as such. */
function isConnectionObject(value: unknown): boolean {
  if (value instanceof Redis || value instanceof Cluster) return true;
  if (value === null || typeof value !== 'object') return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

function boolean(where: string, key: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') {
    // a string read from the environment is the usual culprit: 'false' is truthy
    throw new InvalidOptionsError(INVALID_OPTION(where, key, "true or false (convert a string from the environment, e.g. process.env.WORKERS !== 'false')", value));
  }
  return value;
}

const DEFAULT_BACKOFF: Required<BackoffOptions> = { type: 'exponential', delayMs: 1000, maxDelayMs: 60_000, jitter: true };

/** A backoff policy with every field not given taken from `fallback`. */
export function resolveBackoff(
  where: string,
  key: string,
  backoff: BackoffOptions | undefined,
  fallback: Required<BackoffOptions>,
): Required<BackoffOptions> {
  const given = backoff ?? {};
  assertKnownKeys(`${where} ${key}`, given, BACKOFF_KEYS);
  const type = given.type ?? fallback.type;
  if (type !== 'fixed' && type !== 'exponential') {
    throw new InvalidOptionsError(INVALID_OPTION(where, `${key}.type`, "'fixed' or 'exponential'", type));
  }
  return {
    type,
    delayMs: integer(where, `${key}.delayMs`, given.delayMs, fallback.delayMs, 0),
    maxDelayMs: integer(where, `${key}.maxDelayMs`, given.maxDelayMs, fallback.maxDelayMs, 0),
    jitter: boolean(where, `${key}.jitter`, given.jitter, fallback.jitter),
  };
}

export function resolvePriority(where: string, priority: JobPriority): number {
  if (typeof priority === 'string' && priority in NAMED_PRIORITIES) return NAMED_PRIORITIES[priority]!;
  if (typeof priority === 'number' && Number.isInteger(priority) && Math.abs(priority) <= MAX_PRIORITY) {
    return priority;
  }
  throw new InvalidOptionsError(
    INVALID_OPTION(where, 'priority', `'high', 'normal', 'low' or an integer from -${MAX_PRIORITY} to ${MAX_PRIORITY}`, priority),
  );
}
