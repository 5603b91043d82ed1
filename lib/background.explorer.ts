import { Inject, Injectable, Optional, type OnModuleInit } from '@nestjs/common';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import type { InstanceWrapper } from '@nestjs/core/injector/instance-wrapper.js';
import { BACKGROUND_CONFIG } from './background.constants.js';
import { BatchesService } from './flows/batches.service.js';
import { DEFAULT_QUEUE, MAX_ATTEMPTS, MAX_CONCURRENCY, resolveBackoff, resolvePriority, type BackgroundConfig } from './background.config.js';
import { assertKnownKeys, assertQueueName, integer } from './background-options.checks.js';
import {
  BREAKER_WITHOUT_JOB,
  INVALID_OPTION,
  JOB_NAME_MISSING,
  JOB_NAME_NUL,
  RETRY_WITHOUT_JOB,
} from './background.messages.js';
import { BreakerRegistry } from './breaker/breaker.registry.js';
import { resolveRateLimit } from './rate-limit/rate-limit.resolve.js';
import { BackgroundInstanceResolver } from './background-instance.resolver.js';
import { BackgroundMetadataAccessor } from './background-metadata.accessor.js';
import { InvalidOptionsError } from './errors/invalid-options.error.js';
import { JobHandlerRegistry, type JobHandler } from './registry/job-handler.registry.js';
import type { CircuitBreakerMetadata } from './breaker/circuit-breaker.decorator.js';
import { EventJobContext } from './events/event-job.context.js';
import { EventSubscriptionRegistry } from './events/event-subscription.registry.js';
import type { EventEnvelope } from './events/event.publisher.js';
import { EventFanOut } from './events/event.fan-out.js';
import { ADOPT_PEER_ON_EVENT, INHERIT_REQUEST_CONTEXT_ID } from './events/events.constants.js';
import { peerEventMetadata } from './events/peer-on-event.metadata.js';
import type { JobOptions } from './interfaces/job-options.interface.js';
import type { RetryOptions } from './retry/retry-options.interface.js';
import { RetryPolicy } from './retry/retry.policy.js';
import type { ScheduleMetadata } from './schedule/decorators/schedule.metadata.js';
import { ScheduleRegistry } from './schedule/schedule.registry.js';
import { ScheduleTickRunner } from './schedule/schedule-tick.runner.js';
import { assertScheduleModuleAbsent } from './schedule/peer/schedule-module.check.js';
import { skipNonStaticPeer } from './schedule/peer/schedule-peer.warnings.js';

const JOB_OPTION_KEYS = ['queue', 'concurrency', 'priority', 'timeoutMs', 'attempts', 'rateLimit'] as const;
const RETRY_OPTION_KEYS = ['attempts', 'backoff', 'retryIf'] as const;

/**
 * Finds every `@Job` and `@OnEvent` method (and its `@Retry` and `@CircuitBreaker`) of the application's providers
 * at startup, with the enhancers that run around it; and every `@Interval`, `@Cron` and `@Timeout`, whose ticks are
 * jobs too. A request-scoped provider's methods run on an instance per job (BackgroundInstanceResolver).
 */
@Injectable()
export class BackgroundExplorer implements OnModuleInit {
  constructor(
    @Inject(BACKGROUND_CONFIG) private readonly config: BackgroundConfig,
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly accessor: BackgroundMetadataAccessor,
    private readonly registry: JobHandlerRegistry,
    private readonly instances: BackgroundInstanceResolver,
    private readonly breakers: BreakerRegistry,
    private readonly subscriptions: EventSubscriptionRegistry,
    private readonly fanOut: EventFanOut,
    private readonly schedules: ScheduleRegistry,
    private readonly ticks: ScheduleTickRunner,
    private readonly batches: BatchesService,
    @Optional() @Inject(ADOPT_PEER_ON_EVENT) private readonly adoptPeerOnEvent: boolean | null = null,
    @Optional() @Inject(INHERIT_REQUEST_CONTEXT_ID) private readonly inheritRequestContextId: boolean | null = null,
  ) {}

  onModuleInit(): void {
    for (const wrapper of [...this.discovery.getProviders(), ...this.discovery.getControllers()]) {
      this.explore(wrapper);
    }
    assertScheduleModuleAbsent(this.discovery, this.schedules);
    // an emit may pick any queue with subscribers for its fan-out job: every worker of a queue can run one
    for (const queue of this.registry.queues()) this.registry.add(this.fanOut.handler(queue));
    // a batch's own job goes to the queue of its first item: every worker of a queue can run one
    for (const queue of this.registry.queues()) this.registry.add(this.batches.handler(queue));
  }

  private explore(wrapper: InstanceWrapper): void {
    // a `useExisting` alias is the same instance under a second token: its methods are found once, on the original
    if (wrapper.isAlias) return;
    const { instance, metatype } = wrapper;
    const prototype = instance ? Object.getPrototypeOf(instance) : (metatype as Function | undefined)?.prototype;
    if (!prototype || typeof prototype !== 'object') return;
    for (const method of this.scanner.getAllMethodNames(prototype)) {
      const metadata = this.accessor.getJobMetadata(prototype[method]);
      const events = this.eventMetadata(prototype[method]);
      const retry = this.accessor.getRetryMetadata(prototype[method]);
      const breaker = this.accessor.getBreakerMetadata(prototype[method]);
      const className = (metatype as Function | undefined)?.name ?? prototype.constructor.name;
      const target = `${className}@${method}`;
      const schedules = this.accessor.getScheduleMetadata(prototype[method]);
      if (schedules?.length) this.exploreSchedules(wrapper, schedules, method, className, retry, breaker);
      if (!metadata && !events) {
        if (retry && !schedules?.length) throw new InvalidOptionsError(RETRY_WITHOUT_JOB(target));
        if (breaker && !schedules?.length) throw new InvalidOptionsError(BREAKER_WITHOUT_JOB(target));
        continue;
      }
      if (metadata && (typeof metadata.name !== 'string' || metadata.name === '')) {
        throw new InvalidOptionsError(JOB_NAME_MISSING(`@Job() on ${target}`));
      }
      if (metadata?.name.includes('\0')) throw new InvalidOptionsError(JOB_NAME_NUL(`@Job() on ${target}`, metadata.name));
      // a request-scoped provider gets an instance per job (BackgroundInstanceResolver)
      if (!instance) continue;
      const handler = { target, retry, breaker };
      if (metadata) {
        const where = `@Job('${metadata.name}') on ${target}`;
        assertKnownKeys(where, metadata.options, JOB_OPTION_KEYS);
        const queue = metadata.options.queue ?? DEFAULT_QUEUE;
        assertQueueName(where, queue);
        this.register({ ...handler, where, name: metadata.name, queue, options: metadata.options }, (name) =>
          this.instances.invoker(wrapper, method, target, name),
        );
      }
      if (events) {
        // a subscriber is a job handler named after it; its jobs carry the event around the payload
        const { name, patterns, options } = this.subscriptions.describe(target, events);
        const where = `@OnEvent() on ${target}`;
        const queue = options.queue ?? DEFAULT_QUEUE;
        assertQueueName(where, queue);
        // a method only @nestjs/event-emitter's @OnEvent decorates was written for its listeners' call: the payload alone
        const withContext = !!this.accessor.getEventMetadata(prototype[method])?.length;
        const registered = this.register({ ...handler, where, name, queue, options }, (job) => {
          const invoke = this.instances.invoker(wrapper, method, target, job, withContext, this.inheritRequestContextId === true);
          return (data, ctx) => {
            const { event, eventId, payload } = data as EventEnvelope;
            return invoke(payload, new EventJobContext(ctx, event, eventId));
          };
        });
        this.subscriptions.add({ name, patterns, queue, priority: registered.priority, attempts: registered.attempts, timeoutMs: registered.timeoutMs }, options);
      }
    }
  }

  /** Our `@OnEvent`s, and `@nestjs/event-emitter`'s where `nestjs-background/event-emitter` stands in for it. */
  private eventMetadata(method: Function) {
    const ours = this.accessor.getEventMetadata(method);
    const peer = this.adoptPeerOnEvent ? peerEventMetadata(method) : undefined;
    return peer ? [...(ours ?? []), ...peer] : ours;
  }

  private register(
    found: { target: string; where: string; name: string; queue: string; options: JobOptions; retry?: RetryOptions; breaker?: CircuitBreakerMetadata },
    invoker: (name: string) => JobHandler['invoke'],
  ): JobHandler {
    const { target, where, name, queue, options, retry, breaker } = found;
    const handler: JobHandler = {
      name,
      queue,
      target,
      priority: options.priority === undefined ? undefined : resolvePriority(where, options.priority),
      timeoutMs: integer(where, 'timeoutMs', options.timeoutMs, undefined, 0),
      // enqueue's own attempts, then @Job's, then @Retry's, then the module defaults
      attempts: options.attempts === undefined ? retryAttempts(target, retry) : integer(where, 'attempts', options.attempts, 1, 1, MAX_ATTEMPTS),
      concurrency: integer(where, 'concurrency', options.concurrency, undefined, 1, MAX_CONCURRENCY),
      retry: this.retryPolicy(target, retry),
      breaker: breaker && this.breakers.declare(breaker, queue, target),
      rateLimit: resolveRateLimit(where, options.rateLimit),
      invoke: invoker(name),
    };
    this.registry.add(handler);
    return handler;
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
    schedules = schedules.filter((metadata) => this.schedules.switchedOn(metadata.kind));
    // @nestjs/schedule skips its own decorators on a request-scoped provider, with a warning; ours run on an instance per tick
    if (!wrapper.isDependencyTreeStatic()) {
      const adopted = schedules.filter((metadata) => metadata.adopted);
      if (adopted.length) skipNonStaticPeer(adopted, target);
      schedules = schedules.filter((metadata) => !metadata.adopted);
    }
    if (!wrapper.instance) return;
    for (const metadata of schedules) {
      const declared = this.schedules.declare(metadata, target, `${className}.${method}`);
      const { job, queue, scope } = declared.definition;
      // a disabled schedule's clock never starts (ScheduleOrchestrator), but scheduler.trigger() still runs it
      if (scope === 'instance') {
        declared.call = this.instances.caller(wrapper, method);
        continue;
      }
      this.registry.add({
        name: job,
        queue,
        target,
        // an adopted tick that throws is logged and not retried, as in @nestjs/schedule, unless @Retry says so
        attempts: metadata.adopted && !retry ? 1 : retryAttempts(target, retry),
        retry: this.retryPolicy(target, retry),
        breaker: breaker && this.breakers.declare(breaker, queue, target),
        invoke: this.ticks.wrap(declared, this.instances.invoker(wrapper, method, target, job)),
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
  return integer(`@Retry() on ${target}`, 'attempts', retry.attempts, 1, 1, MAX_ATTEMPTS);
}
