/** `@nestjs/schedule`'s own wording, which code written for its `SchedulerRegistry` may compare against. */
export const NO_SCHEDULER_FOUND = (kind: SchedulerKind, name?: string) =>
  name
    ? `No ${kind} was found with the given name (${name}). Check that you created one with a decorator or with the create API.`
    : `No ${kind} was found. Check your configuration.`;

/**
 * What `@nestjs/schedule` says of a name taken (its tests match it), without its closing "Ignored.": this
 * module refuses the name. `registry.addCronJob()` and the bootstrap's refusal of two decorated
 * schedules of one name both start with it.
 */
export const DUPLICATE_SCHEDULER = (kind: SchedulerKind, name: string) => `${kind} with the given name (${name}) already exists`;

/** `@nestjs/schedule`'s whole text, for a name taken when adding at run time (`addCronJob`, `addInterval`, `addTimeout`). */
export const DUPLICATE_ADDED = (kind: SchedulerKind, name: string) => `${DUPLICATE_SCHEDULER(kind, name)}. Ignored.`;

export const ADDED_JOB_FAILED = (name: string, message: string) => `Cron job "${name}" (added with schedulerRegistry.addCronJob) failed: ${message}`;

export const CLUSTER_CONTROL_FAILED = (action: string, name: string, message: string) =>
  `Could not ${action} schedule "${name}" for the cluster: ${message}. Try again, or call SchedulerService.${action}('${name}') and handle its error.`;

export type SchedulerKind = 'Cron Job' | 'Interval' | 'Timeout';
