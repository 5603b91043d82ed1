import { DUPLICATE_SCHEDULER, type SchedulerKind } from './schedule/compat/scheduler-registry.messages.js';

/** Every message a user may read, each saying what to do about it. */

export const DUPLICATE_HANDLER = (name: string, first: string, second: string) =>
  `Two handlers are registered for job "${name}": ${first} and ${second}. Give one of them another name, or remove one @Job decorator.`;

export const JOB_NAME_MISSING = (where: string) =>
  `${where} needs a job name (a non-empty string) or a definition made with defineJob().`;

export const JOB_NAME_NUL = (where: string, name: string) =>
  `${where}: the job name ${JSON.stringify(name)} holds a NUL character ("\\0"), which Redis's dead-letter index uses as a separator. Use a name without it.`;

export const RESERVED_JOB_ID = (where: string, jobId: string, prefix: string) =>
  `${where}: the jobId ${JSON.stringify(jobId)} starts with "${prefix}", which the module keeps for its own jobs (a schedule's ticks are "schedule:<name>:<due>", an event's jobs "event:<eventId>:<subscriber>"); a job of that id would stand in for one of them, which would then never run. Choose an id that does not start with "schedule:" or "event:".`;

export const UNKNOWN_JOB = (name: string) =>
  `No handler is registered for job "${name}" in this process or by any worker of the cluster. Check the name, or add @Job('${name}') to a provider (a producer-only process must still list the provider, with workers: false).`;

export const NO_LOCAL_HANDLER = (name: string, patienceMs: number) =>
  `No worker with a handler for job "${name}" took it within ${patienceMs} ms (noHandlerPatienceMs); the workers that claimed it do not have it. Deploy the handler to every worker of its queue, or send the job to a queue whose workers have it.`;

export const OPTIONS_FACTORY_METHOD_MISSING = (className: string) =>
  `BackgroundModule.forRootAsync() was given ${className}, which has neither create() (returning the module's options) nor createScheduleOptions() (ScheduleModule's, returning its switches). Add create() to ${className}, or pass useFactory.`;

export const UNKNOWN_OPTION = (where: string, key: string, known: readonly string[]) =>
  `Unknown option "${key}" in ${where}. Valid options are: ${known.join(', ')}.`;

export const INVALID_OPTION = (where: string, key: string, expected: string, got: unknown) =>
  `Invalid ${where} option "${key}": expected ${expected}, got ${describe(got)}.`;

export const INVALID_REDIS_URL_ENV = (value: string) =>
  `The REDIS_URL environment variable is ${JSON.stringify(value)}, which is not a redis:// or rediss:// URL. Fix REDIS_URL, or give BackgroundModule.forRoot() a connection option.`;

export const UNSERIALIZABLE_PAYLOAD = (name: string, path: string, problem: string, kind: 'job' | 'event' = 'job') =>
  `The payload of ${kind} "${name}" cannot be stored as JSON: ${path} ${problem}.`;

export const PAYLOAD_TOO_DEEP = (name: string, limit: number, kind: 'job' | 'event' = 'job') =>
  `The payload of ${kind} "${name}" nests objects and arrays more than ${limit} deep, which JSON cannot read back reliably. Flatten it (a list of records with parent ids instead of a tree), or store it elsewhere and ${kind === 'job' ? 'enqueue' : 'emit'} its key.`;

export const PAYLOAD_TOO_LARGE = (name: string, bytes: number, limit: number, kind: 'job' | 'event' = 'job') =>
  `The payload of ${kind} "${name}" is ${bytes} bytes as JSON, over the limit of ${limit} bytes. Store large data elsewhere (object storage, a database) and ${kind === 'job' ? 'enqueue' : 'emit'} its key, or raise maxPayloadBytes in BackgroundModule.forRoot().`;

export const REDIS_UNREACHABLE = (address: string, waitedMs: number) =>
  `Redis at ${address} did not answer within ${waitedMs} ms; nothing was enqueued. Check that Redis runs and that the connection option points at it.`;

export const REDIS_UNREACHABLE_AT_START = (address: string, waitedMs: number, lastError?: string) =>
  `Redis at ${address} did not answer within ${waitedMs} ms${lastError ? ` (${lastError})` : ''}, so the application cannot start. Check that Redis runs and that REDIS_URL, or the connection option of BackgroundModule.forRoot(), points at it.`;

export const REDIS_REFUSED_CREDENTIALS = (address: string, reply: 'WRONGPASS' | 'NOAUTH', atStart: boolean) =>
  `Redis at ${address} ${reply === 'NOAUTH' ? 'asks for a password and was given none' : 'refused the username and password'} (${reply})${atStart ? ', so the application cannot start' : '; nothing was sent'}. Check the credentials in REDIS_URL, or in the connection option of BackgroundModule.forRoot(), and that user's ACL on the server${atStart ? '' : '; the connection is retried by itself'}.`;

export const REDIS_NOT_CONNECTED = (address: string) =>
  `Redis at ${address} is not connected; nothing was sent. Check that Redis runs and that the connection option points at it; the connection is retried by itself.`;

export const REDIS_LOST_REPLY = (address: string, waitedMs?: number) =>
  `Redis at ${address} went away before it answered${waitedMs === undefined ? '' : ` and was not back within ${waitedMs} ms`}; the call may or may not have taken effect. Check that Redis runs; once it is back, getJob() tells, and an enqueue repeated with the same jobId is not stored twice.`;

export const REDIS_LOST = (address: string) =>
  `Lost Redis at ${address}: jobs are neither claimed nor enqueued until it is back. Reconnecting.`;

export const REDIS_BACK = (address: string) => `Redis at ${address} is back.`;

export const ANNOTATION_LOST = (id: string, name: string, message: string) =>
  `A progress or log line of job "${id}" (${name}) was not stored: ${message}. Such lines are best-effort; the job runs on.`;

export const PROGRESS_TOO_LARGE = (id: string, name: string, bytes: number, limit: number) =>
  `ctx.progress() of job "${id}" (${name}) got a value of ${bytes} bytes as JSON, over the limit of ${limit} bytes; nothing was recorded. Report a small value (a percentage, counts, a stage name) and return bulky data as the job's result.`;

export const JOB_NOT_FOUND = (id: string) =>
  `No job with id "${id}" exists (it may have been trimmed by retention). Check the id returned by enqueue().`;

export const WAIT_TIMEOUT = (id: string, ms: number, state: string) =>
  `Job "${id}" did not finish within ${ms} ms (it is ${state}). Wait longer with waitFor(id, { timeoutMs }), or check that a worker runs its queue.`;

export const WAIT_INTERRUPTED = (id: string) =>
  `Stopped waiting for job "${id}": the application is shutting down. The job itself is unaffected; getJob() tells how it ends.`;

export const JOB_DEAD = (id: string, name: string, message: string) =>
  `Job "${id}" (${name}) failed for good: ${message}`;

export const JOB_CANCELLED = (id: string) => `Job "${id}" was cancelled.`;

export const JOB_TIMED_OUT = (ms: number) =>
  `The job ran longer than its timeout of ${ms} ms. Raise timeoutMs, or make the handler watch ctx.signal and finish sooner.`;

export const SHUTDOWN_ABORT = (ms: number) =>
  `The application shut down and the job was still running after ${ms} ms; it was handed back to the queue.`;

export const JOB_STALLED = (stalls: number) =>
  `The job's worker stopped renewing its lease ${stalls} times (crashed or blocked the event loop); it was moved to the dead-letter queue.`;

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value == null) return String(value);
  return typeof value;
}

export const LEASE_LOST =
  "The worker's lease on the job lapsed (its event loop was blocked or storage was unreachable for longer than leaseMs, or its connection to Redis was closed for more than a second) and the job went to another worker.";

export const SHUTDOWN_HAND_BACK_FAILED = (queue: string, unfinished: number, finished: number, reason: string) =>
  `Could not hand ${unfinished} unfinished job(s) of queue "${queue}" back or record ${finished} finished one(s) on shutdown (${reason}); they run again once the lease expires.`;

export const WORKERS_DISCONNECTED = (queue: string, workers: string[], recovered: number) =>
  `The connection to Redis of worker${workers.length > 1 ? 's' : ''} ${workers.join(', ')} of queue "${queue}" closed and did not come back within a second (the process died): ${recovered} of their jobs went back to the queue without waiting out the lease.`;

export const RETRY_WITHOUT_JOB = (target: string) =>
  `@Retry() on ${target} has no @Job on the same method, so nothing would ever be retried. Put @Job('name') beside it, or remove @Retry().`;

export const BACKOFF_FUNCTION_FAILED = (target: string, reason: string) =>
  `The backoff function of @Retry() on ${target} failed (${reason}); the next attempt runs at once. Return a number of milliseconds, 0 or more.`;

export const RETRY_IF_FAILED = (target: string, reason: string) =>
  `retryIf of @Retry() on ${target} threw (${reason}); the job is retried as if it had returned true. Return true or false.`;

export const DEAD_LETTER_TARGET = (method: string, got: unknown) =>
  `${method} expects a job id (a non-empty string, as returned by enqueue()) or a filter { name?, queue? } ({} for every dead job), got ${describe(got)}.`;
export const GUARD_REFUSED = (target: string, name: string) =>
  `A guard of ${target} refused job "${name}" (its canActivate() returned false), so the handler did not run; the attempt failed. Let the job through, or throw an error from the guard that says why.`;

export const BREAKER_WITHOUT_JOB = (target: string) =>
  `@CircuitBreaker() on ${target} has no @Job on the same method, so no job would ever run behind it. Put @Job('name') beside it, or call breakers.run(name, fn) from the method instead.`;

export const BREAKER_NAME = (target: string, got: unknown) =>
  `@CircuitBreaker() on ${target} needs a name of letters, digits, "_", ".", ":" or "-" (at most 100), naming the dependency it guards, e.g. 'smtp'; got ${describe(got)}.`;

export const BREAKER_MISMATCH = (name: string, first: string, second: string, what: string) =>
  `@CircuitBreaker('${name}') on ${second} differs from the one on ${first} (${what}). Handlers that share a breaker share its state, so give them the same options (a shared constant) and put them in the same queue, or name the breakers apart.`;

export const UNKNOWN_BREAKER = (method: string, name: string, known: string[]) =>
  `${method}: no circuit breaker named "${name}" is declared in this process${known.length ? ` (declared: ${known.join(', ')})` : ''}. Declare it with @CircuitBreaker('${name}') on a @Job method of a provider of this application.`;

export const CIRCUIT_OPEN = (name: string, retryInMs: number | undefined) =>
  `The circuit breaker "${name}" is open: calls fail fast until ${retryInMs === undefined ? 'it is reset (it was opened by hand)' : `it lets a probe through in about ${retryInMs} ms`}.`;

export const BREAKER_OPENED = (name: string, threshold: number, windowMs: number, resetMs: number) =>
  `Circuit breaker "${name}" opened after ${threshold} failure(s) within ${windowMs} ms: jobs behind it wait in the queue without using attempts; probes run in ${resetMs} ms.`;

export const BREAKER_REOPENED = (name: string, resetMs: number) =>
  `Circuit breaker "${name}" reopened: its probe failed; jobs behind it wait, the next probe runs in ${resetMs} ms.`;

export const BREAKER_HALF_OPEN = (name: string, probes: number) =>
  `Circuit breaker "${name}" is half-open: up to ${probes} probe(s) run; one success closes it, a failure opens it again.`;

export const BREAKER_CLOSED = (name: string) => `Circuit breaker "${name}" closed: the jobs that waited behind it run now.`;

export const INVALID_CRON = (where: string, expression: unknown, reason: string) =>
  `${where}: ${describe(expression)} is not a valid cron expression (${reason}). Write five fields (minute hour day-of-month month day-of-week) or six with seconds first, e.g. '0 */5 * * * *', or use a CronExpression value.`;

export const INVALID_TIME_ZONE = (where: string, timeZone: unknown) =>
  `${where}: timeZone ${describe(timeZone)} is not a time zone. Use an IANA name such as 'Europe/Paris' or 'America/New_York', or leave timeZone out for the process's own.`;

export const INVALID_INTERVAL = (where: string, got: unknown) =>
  `${where} needs a positive whole number of milliseconds, got ${describe(got)}. Write e.g. @Interval('report', 60_000).`;

export const TIMEOUT_TOO_LONG = (where: string, got: number, max: number) =>
  `${where} waits ${got} ms, longer than a timer can (${max} ms, about 24.8 days). For a run that far off, use @Cron, or enqueue a job with runAt.`;

export const SCHEDULE_NAME = (where: string, got: unknown) =>
  `${where} needs a schedule name of letters, digits, "_", ".", ":", "@" or "-" (at most 100), got ${describe(got)}.`;

export const DUPLICATE_SCHEDULE = (kind: SchedulerKind, name: string, first: string, second: string) =>
  `${DUPLICATE_SCHEDULER(kind, name)}: ${first} and ${second} are both named "${name}". Give one of them another name (@Interval('name', ms), @Cron(expression, { name }) or @Timeout('name', ms)).`;

export const SCHEDULE_WINDOW = (where: string) =>
  `${where}: endAt is before startAt, so the schedule would never run. Move endAt after startAt, or leave one out.`;

export const UNKNOWN_SCHEDULE = (method: string, name: string, known: string[]) =>
  `scheduler.${method}: no schedule named "${name}" exists${known.length ? ` (there are: ${known.join(', ')})` : ''}. Check the name with scheduler.list(), or create the schedule with @Interval, @Cron or scheduler.add().`;

export const SCHEDULE_EXISTS = (name: string) =>
  `scheduler.add(): a schedule named "${name}" exists already. Pick another name, or scheduler.remove('${name}') first.`;

export const SCHEDULE_IN_CODE = (name: string, target: string) =>
  `scheduler.remove('${name}'): the schedule is declared in code, by ${target}, and would come back at the next start. Remove its decorator, or stop it with scheduler.pause('${name}').`;

export const SCHEDULE_TICK_LOST = (name: string, due: number, reason: string) =>
  `The tick of schedule "${name}" due at ${new Date(due).toISOString()} could not be stored (${reason}); it is skipped, and the schedule goes on with the next one.`;

export const REDIS_UNDER_FAKE_TIMERS = (faked: string) =>
  `BackgroundModule cannot use Redis under fake timers (jest.useFakeTimers() replaced ${faked}): Redis keeps its own clock, which fake time does not move, and the connection waits on the timers they stop. In a test with fake timers use BackgroundModule.forRoot({ storage: 'memory' }), whose clock and timers follow them, or call jest.useRealTimers() before app.init().`;
