export { BackgroundModule } from './background.module.js';
export type {
  BackgroundModuleAsyncOptions,
  BackgroundOptionsFactory,
  ScheduleFactoryOptions,
  ScheduleOptionsFactory,
} from './background-options.factory.js';
export { JobsService, type EnqueueItem } from './jobs.service.js';
export { Job } from './decorators/job.decorator.js';
export { DeadLetterService } from './dead-letter/dead-letter.service.js';
export type { DeadLetterFilter, ListDeadOptions } from './dead-letter/dead-letter-filter.interface.js';
export type { BackgroundContextType } from './background-context.creator.js';
export { CircuitBreaker } from './breaker/circuit-breaker.decorator.js';
export { CircuitBreakerService } from './breaker/circuit-breaker.service.js';
export type {
  CircuitBreakerInfo,
  CircuitBreakerOptions,
  CircuitBreakerState,
} from './breaker/circuit-breaker-options.interface.js';
export { Retry } from './retry/retry.decorator.js';
export { Interval } from './schedule/decorators/interval.decorator.js';
export { Cron } from './schedule/decorators/cron.decorator.js';
export { Timeout } from './schedule/decorators/timeout.decorator.js';
export { CronExpression } from './schedule/cron-expression.enum.js';
export { SchedulerService } from './schedule/scheduler.service.js';
export { BackgroundSchedulerRegistry } from './schedule/compat/background-scheduler.registry.js';
export { ClusterScheduleHandle, type CronDateTime } from './schedule/compat/cluster-schedule.handle.js';
export type {
  CronOptions,
  MissedTickPolicy,
  ScheduleInfo,
  ScheduleOptions,
  ScheduleScope,
  ScheduleSwitches,
  ScheduleTick,
  ScheduleTiming,
} from './schedule/schedule-options.interface.js';
export { JobEvents } from './hooks/job-events.js';
export { OnJobEvent } from './hooks/on-job-event.decorator.js';
export type { BreakerEvent, JobEvent, JobEventType, JobRunEvent } from './hooks/job-event.interface.js';
export type { BackoffFunction, RetryOptions } from './retry/retry-options.interface.js';
export { OnEvent } from './events/on-event.decorator.js';
export { defineEvent, type EventDefinition, type EventPayload } from './events/event.definition.js';
export type { EmitOptions, EmitResult, EventContext, OnEventOptions } from './events/on-event-options.interface.js';
export { defineJob, type JobDefinition, type JobData, type JobResult } from './job.definition.js';
export type {
  BackgroundModuleOptions,
  BackoffOptions,
  JobDefaults,
  JobPriority,
  KeepOptions,
  QueueOptions,
} from './interfaces/background-options.interface.js';
export type { JobContext } from './interfaces/job-context.interface.js';
export type { ChildFailurePolicy, ChildOutcome, FlowInfo, FlowNode, FlowNodeOptions, FlowResult } from './interfaces/flow.interface.js';
export { JobSkipped } from './errors/job-skipped.error.js';
export type { BatchInfo, BatchItem, BatchOptions, BatchSummary } from './interfaces/batch.interface.js';
export type { JobOptions } from './interfaces/job-options.interface.js';
export type { EnqueueOptions, EnqueueResult, WaitForOptions } from './interfaces/enqueue-options.interface.js';
export {
  JOB_STATES,
  type BackgroundStats,
  type DeadReason,
  type JobErrorRecord,
  type JobInfo,
  type JobNameStats,
  type JobRedrive,
  type JobState,
  type QueueCounts,
} from './interfaces/job-info.interface.js';
export { BackgroundError } from './errors/background.error.js';
export { CircuitOpenError } from './errors/circuit-open.error.js';
export { CircuitOpenFilter } from './http/circuit-open.filter.js';
export { DuplicateHandlerError } from './errors/duplicate-handler.error.js';
export { InvalidOptionsError } from './errors/invalid-options.error.js';
export { InvalidPayloadError } from './errors/invalid-payload.error.js';
export { JobCancelledError } from './errors/job-cancelled.error.js';
export { JobFailedError } from './errors/job-failed.error.js';
export { JobForbiddenError } from './errors/job-forbidden.error.js';
export { JobNotFoundError } from './errors/job-not-found.error.js';
export { RedisUnavailableError } from './errors/redis-unavailable.error.js';
export { SchedulerNotFoundError } from './errors/scheduler-not-found.error.js';
export { RedisUnavailableFilter } from './http/redis-unavailable.filter.js';
export { UnknownJobError } from './errors/unknown-job.error.js';
export { UnrecoverableError } from './errors/unrecoverable.error.js';
export { WaitTimeoutError } from './errors/wait-timeout.error.js';
