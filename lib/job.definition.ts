/**
 * A job name tied to its payload and result types, declared once and used by both `@Job` and
 * `enqueue`, so that sending the wrong payload is a compile error.
 *
 * ```ts
 * export const SendWelcome = defineJob<{ userId: string }, { sent: boolean }>('user.welcome');
 * @Job(SendWelcome) send(data: { userId: string }) { ... }
 * await jobs.enqueue(SendWelcome, { userId: '42' });
 * ```
 * @publicApi
 */
export interface JobDefinition<TData = unknown, TResult = unknown> {
  readonly name: string;
  /** Type-only; never set. */
  readonly __types?: { data: TData; result: TResult };
}

/** @publicApi */
export function defineJob<TData, TResult = void>(name: string): JobDefinition<TData, TResult> {
  return Object.freeze({ name });
}

/** The payload type of a job definition. @publicApi */
export type JobData<T> = T extends JobDefinition<infer D, unknown> ? D : unknown;
/** The result type of a job definition. @publicApi */
export type JobResult<T> = T extends JobDefinition<unknown, infer R> ? R : unknown;

export function jobName(job: string | JobDefinition<any, any>): string {
  return typeof job === 'string' ? job : job.name;
}
