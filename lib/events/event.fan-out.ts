import { Inject, Injectable } from '@nestjs/common';
import { BACKGROUND_CONFIG } from '../background.constants.js';
import type { BackgroundConfig } from '../background.config.js';
import { STORAGE_ENGINE, type NewJob, type StorageEngine } from '../engine/storage-engine.interface.js';
import { StorageGateway } from '../storage.gateway.js';
import type { JobHandler } from '../registry/job-handler.registry.js';
import { RetryPolicy } from '../retry/retry.policy.js';
import { FAN_OUT_ATTEMPTS, FAN_OUT_DELAY_MS, eventJobId } from './events.constants.js';

/** What a fan-out job carries: the jobs of the other queues, and the event they all carry. */
interface FanOutData {
  envelope: unknown;
  jobs: Omit<NewJob, 'data' | 'delayMs'>[];
}

/**
 * The second step of an emit whose subscribers live in several queues. The emit writes, in one
 * script, the jobs of one queue and a fan-out job holding the others; it then writes the others
 * itself, and cancels the fan-out job. If the emitting process dies between the two steps, the
 * fan-out job (delayed by FAN_OUT_DELAY_MS, retried like any job) writes them later; where they
 * exist already, the fixed ids (`<eventId>:<subscriber>`) make that a no-op.
 */
@Injectable()
export class EventFanOut {
  constructor(
    @Inject(BACKGROUND_CONFIG) private readonly config: BackgroundConfig,
    @Inject(STORAGE_ENGINE) private readonly engine: StorageEngine,
    private readonly storage: StorageGateway,
  ) {}

  /** The job of `queue` that stores `later` should the emitter not get to it. */
  job(eventId: string, queue: string, envelope: string, later: NewJob[]): NewJob {
    const jobs = later.map(({ data: _data, delayMs: _delay, ...job }) => job);
    return {
      id: eventJobId(eventId, FAN_OUT),
      name: fanOutJobName(queue),
      queue,
      data: `{"envelope":${envelope},"jobs":${JSON.stringify(jobs)}}`,
      priority: Math.max(...later.map((job) => job.priority)),
      maxAttempts: FAN_OUT_ATTEMPTS,
      delayMs: FAN_OUT_DELAY_MS,
      timeoutMs: 0,
    };
  }

  /** One handler per queue this process works on, so that any of its workers can run a fan-out job. */
  handler(queue: string): JobHandler {
    const name = fanOutJobName(queue);
    return {
      name,
      queue,
      target: 'EventFanOut',
      internal: true,
      retry: new RetryPolicy(this.config.defaults.backoff, undefined, 'EventFanOut'),
      invoke: async (data) => {
        const { envelope, jobs } = data as FanOutData;
        const text = JSON.stringify(envelope);
        const stored = await this.storage.call(this.engine.enqueue(jobs.map((job) => ({ ...job, data: text, delayMs: 0 }))));
        return { created: stored.filter((job) => job.created).length };
      },
    };
  }
}

/** Where a subscriber's name goes in the fan-out job's id. */
export const FAN_OUT = 'fan-out';

export function fanOutJobName(queue: string): string {
  return `bg:fan-out:${queue}`;
}
