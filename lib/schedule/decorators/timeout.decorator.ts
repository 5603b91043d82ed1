import { scheduleDecorator } from './schedule.metadata.js';

/**
 * Runs the method once, `ms` milliseconds after this process started (in every process, as in
 * `@nestjs/schedule`: a one-off at start-up is about the process that starts). For work to run
 * once in the cluster, enqueue a job with `delayMs` and a `jobId`.
 * @publicApi
 */
export function Timeout(ms: number): MethodDecorator;
export function Timeout(name: string, ms: number): MethodDecorator;
export function Timeout(nameOrMs: string | number, ms?: number): MethodDecorator {
  const named = typeof nameOrMs === 'string';
  return scheduleDecorator({
    kind: 'timeout',
    name: named ? nameOrMs : undefined,
    ms: named ? ms : nameOrMs,
    options: { scope: 'instance' },
  });
}
