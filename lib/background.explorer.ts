import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import type { InstanceWrapper } from '@nestjs/core/injector/instance-wrapper.js';
import { BACKGROUND_CONFIG } from './background.constants.js';
import {
  DEFAULT_QUEUE,
  assertKnownKeys,
  assertQueueName,
  integer,
  resolveBackoff,
  resolvePriority,
  type BackgroundConfig,
} from './background.config.js';
import {
  BREAKER_WITHOUT_JOB,
  INVALID_OPTION,
  JOB_NAME_MISSING,
  REQUEST_SCOPED_HANDLER,
  RETRY_WITHOUT_JOB,
} from './background.messages.js';
import { BreakerRegistry } from './breaker/breaker.registry.js';
import { BackgroundContextCreator } from './background-context.creator.js';
import { BackgroundMetadataAccessor } from './background-metadata.accessor.js';
import { InvalidOptionsError } from './errors/invalid-options.error.js';
import { JobHandlerRegistry } from './registry/job-handler.registry.js';
import type { RetryOptions } from './retry/retry-options.interface.js';
import { RetryPolicy } from './retry/retry.policy.js';
import type { ScheduleMetadata } from './schedule/decorators/schedule.metadata.js';
import { ScheduleRegistry } from './schedule/schedule.registry.js';
import { ScheduleTickRunner } from './schedule/schedule-tick.runner.js';

const JOB_OPTION_KEYS = ['queue', 'concurrency', 'priority', 'timeoutMs', 'attempts'] as const;
const RETRY_OPTION_KEYS = ['attempts', 'backoff', 'retryIf'] as const;

/**
 * Finds every `@Job` method (and its `@Retry` and `@CircuitBreaker`) of the application's singleton providers at startup,
 * with the enhancers that run around it; and every `@Interval`, `@Cron` and `@Timeout`, whose ticks are jobs too.
 */
@Injectable()
export class BackgroundExplorer implements OnModuleInit {
  constructor(
    @Inject(BACKGROUND_CONFIG) private readonly config: BackgroundConfig,
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly accessor: BackgroundMetadataAccessor,
    private readonly registry: JobHandlerRegistry,
    private readonly contextCreator: BackgroundContextCreator,
    private readonly breakers: BreakerRegistry,
    private readonly schedules: ScheduleRegistry,
    private readonly ticks: ScheduleTickRunner,
  ) {}

  onModuleInit(): void {
    for (const wrapper of [...this.discovery.getProviders(), ...this.discovery.getControllers()]) {
      this.explore(wrapper);
    }
  }

  private explore(wrapper: InstanceWrapper): void {
    const { instance, metatype } = wrapper;
    const prototype = instance ? Object.getPrototypeOf(instance) : (metatype as Function | undefined)?.prototype;
    if (!prototype || typeof prototype !== 'object') return;
    for (const method of this.scanner.getAllMethodNames(prototype)) {
      const metadata = this.accessor.getJobMetadata(prototype[method]);
      const retry = this.accessor.getRetryMetadata(prototype[method]);
      const breaker = this.accessor.getBreakerMetadata(prototype[method]);
      const className = (metatype as Function | undefined)?.name ?? prototype.constructor.name;
      const target = `${className}@${method}`;
      const schedules = this.accessor.getScheduleMetadata(prototype[method]);
      if (schedules?.length) this.exploreSchedules(wrapper, schedules, method, className, retry, breaker);
      if (!metadata) {
        if (retry && !schedules?.length) throw new InvalidOptionsError(RETRY_WITHOUT_JOB(target));
        if (breaker && !schedules?.length) throw new InvalidOptionsError(BREAKER_WITHOUT_JOB(target));
        continue;
      }
      if (typeof metadata.name !== 'string' || metadata.name === '') {
        throw new InvalidOptionsError(JOB_NAME_MISSING(`@Job() on ${target}`));
      }
      if (!wrapper.isDependencyTreeStatic() || !instance) {
        throw new InvalidOptionsError(REQUEST_SCOPED_HANDLER(target));
      }
      const where = `@Job('${metadata.name}') on ${target}`;
      const options = metadata.options;
      assertKnownKeys(where, options, JOB_OPTION_KEYS);
      const queue = options.queue ?? DEFAULT_QUEUE;
      assertQueueName(where, queue);
      this.registry.add({
        name: metadata.name,
        queue,
        target,
        priority: options.priority === undefined ? undefined : resolvePriority(where, options.priority),
        timeoutMs: options.timeoutMs === undefined ? undefined : integer(where, 'timeoutMs', options.timeoutMs, 0, 0),
        // enqueue's own attempts, then @Job's, then @Retry's, then the module defaults
        attempts:
          options.attempts === undefined ? retryAttempts(target, retry) : integer(where, 'attempts', options.attempts, 1, 1),
        concurrency: options.concurrency === undefined ? undefined : integer(where, 'concurrency', options.concurrency, 1, 1),
        retry: this.retryPolicy(target, retry),
        breaker: breaker && this.breakers.declare(breaker, queue, target),
        invoke: this.contextCreator.create(instance, method, target, metadata.name),
      });
    }
  }

  /** A cluster schedule's ticks are jobs of their own name, behind the method's `@Retry` and `@CircuitBreaker`. */
  private exploreSchedules(
    wrapper: InstanceWrapper,
    schedules: ScheduleMetadata[],
    method: string,
    className: string,
    retry: RetryOptions | undefined,
    breaker: ReturnType<BackgroundMetadataAccessor['getBreakerMetadata']>,
  ): void {
    const target = `${className}@${method}`;
    const instance = wrapper.instance as Record<string, (...args: unknown[]) => unknown>;
    if (!wrapper.isDependencyTreeStatic() || !instance) throw new InvalidOptionsError(REQUEST_SCOPED_HANDLER(target));
    for (const metadata of schedules) {
      const declared = this.schedules.declare(metadata, target, `${className}.${method}`);
      const { job, queue, scope } = declared.definition;
      if (declared.disabled) continue;
      if (scope === 'instance') {
        declared.call = (tick) => instance[method]!(tick);
        continue;
      }
      this.registry.add({
        name: job,
        queue,
        target,
        attempts: retryAttempts(target, retry),
        retry: this.retryPolicy(target, retry),
        breaker: breaker && this.breakers.declare(breaker, queue, target),
        invoke: this.ticks.wrap(declared, this.contextCreator.create(instance, method, target, job)),
      });
    }
  }

  private retryPolicy(target: string, retry: RetryOptions | undefined): RetryPolicy {
    const defaults = this.config.defaults.backoff;
    if (!retry) return new RetryPolicy(defaults, undefined, target);
    const where = `@Retry() on ${target}`;
    assertKnownKeys(where, retry, RETRY_OPTION_KEYS);
    if (retry.retryIf !== undefined && typeof retry.retryIf !== 'function') {
      throw new InvalidOptionsError(INVALID_OPTION(where, 'retryIf', 'a function (error) => boolean', retry.retryIf));
    }
    const backoff = typeof retry.backoff === 'function' ? retry.backoff : resolveBackoff(where, 'backoff', retry.backoff, defaults);
    return new RetryPolicy(backoff, retry.retryIf, target);
  }
}

function retryAttempts(target: string, retry: RetryOptions | undefined): number | undefined {
  if (retry?.attempts === undefined) return undefined;
  return integer(`@Retry() on ${target}`, 'attempts', retry.attempts, 1, 1);
}
