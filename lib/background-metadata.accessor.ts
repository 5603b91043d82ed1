import { Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { JOB_METADATA } from './background.constants.js';
import type { JobMetadata } from './decorators/job.decorator.js';
import { CIRCUIT_BREAKER_METADATA } from './breaker/breaker.constants.js';
import type { CircuitBreakerMetadata } from './breaker/circuit-breaker.decorator.js';
import { RETRY_METADATA } from './retry/retry.constants.js';
import { ON_EVENT_METADATA } from './events/events.constants.js';
import type { OnEventMetadata } from './events/on-event.decorator.js';
import type { ScheduleMetadata } from './schedule/decorators/schedule.metadata.js';
import { SCHEDULE_METADATA } from './schedule/schedule.constants.js';
import { readPeerSchedule } from './schedule/peer/schedule-peer.metadata.js';
import type { RetryOptions } from './retry/retry-options.interface.js';

@Injectable()
export class BackgroundMetadataAccessor {
  constructor(private readonly reflector: Reflector) {}

  getJobMetadata(target: Function): JobMetadata | undefined {
    if (!target || (typeof target !== 'function' && typeof target !== 'object')) return undefined;
    return this.reflector.get<JobMetadata>(JOB_METADATA, target);
  }

  /** Every `@OnEvent` stacked on the method. */
  getEventMetadata(target: Function): OnEventMetadata[] | undefined {
    if (!target || (typeof target !== 'function' && typeof target !== 'object')) return undefined;
    return this.reflector.get<OnEventMetadata[]>(ON_EVENT_METADATA, target);
  }

  getBreakerMetadata(target: Function): CircuitBreakerMetadata | undefined {
    if (!target || (typeof target !== 'function' && typeof target !== 'object')) return undefined;
    return this.reflector.get<CircuitBreakerMetadata>(CIRCUIT_BREAKER_METADATA, target);
  }

  getRetryMetadata(target: Function): RetryOptions | undefined {
    if (!target || (typeof target !== 'function' && typeof target !== 'object')) return undefined;
    return this.reflector.get<RetryOptions>(RETRY_METADATA, target);
  }

  /** Every `@Interval`, `@Cron` and `@Timeout` on the method: ours, and the one of `@nestjs/schedule` (adopted). */
  getScheduleMetadata(target: Function): ScheduleMetadata[] | undefined {
    if (!target || (typeof target !== 'function' && typeof target !== 'object')) return undefined;
    const ours = this.reflector.get<ScheduleMetadata[]>(SCHEDULE_METADATA, target);
    const adopted = readPeerSchedule(this.reflector, target);
    return adopted ? [...(ours ?? []), adopted] : ours;
  }
}
