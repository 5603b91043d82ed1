import { Module, type DynamicModule } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { BACKGROUND_CONFIG } from './background.constants.js';
import { resolveConfig, type BackgroundConfig } from './background.config.js';
import { BackgroundContextCreator } from './background-context.creator.js';
import { BackgroundExplorer } from './background.explorer.js';
import { BackgroundInstanceResolver } from './background-instance.resolver.js';
import { BackgroundMetadataAccessor } from './background-metadata.accessor.js';
import { ConfigurableModuleClass, MODULE_OPTIONS_TOKEN, type OPTIONS_TYPE } from './background.module-definition.js';
import { withFactoryClass, type BackgroundModuleAsyncOptions } from './background-options.factory.js';
import { BackgroundOrchestrator } from './background.orchestrator.js';
import { MemoryEngine } from './engine/memory/memory.engine.js';
import { RedisEngine } from './engine/redis/redis.engine.js';
import { STORAGE_ENGINE } from './engine/storage-engine.interface.js';
import type { BackgroundModuleOptions } from './interfaces/background-options.interface.js';
import { BreakerRegistry } from './breaker/breaker.registry.js';
import { CircuitBreakerService } from './breaker/circuit-breaker.service.js';
import { DeadLetterService } from './dead-letter/dead-letter.service.js';
import { StorageGateway } from './storage.gateway.js';
import { JobPreparer } from './job-preparer.js';
import { JobsService } from './jobs.service.js';
import { FlowsService } from './flows/flows.service.js';
import { BatchesService } from './flows/batches.service.js';
import { JobHandlerRegistry } from './registry/job-handler.registry.js';
import { EventPublisher } from './events/event.publisher.js';
import { EventFanOut } from './events/event.fan-out.js';
import { LocalEventRunner } from './events/event.local-runner.js';
import { EventSubscriptionRegistry } from './events/event-subscription.registry.js';
import { FireAndForgetRunner } from './worker/fire-and-forget.runner.js';
import { ScheduleOrchestrator } from './schedule/schedule.orchestrator.js';
import { ScheduleRegistry } from './schedule/schedule.registry.js';
import { ScheduleTickRunner } from './schedule/schedule-tick.runner.js';
import { SchedulerService } from './schedule/scheduler.service.js';
import { BackgroundSchedulerRegistry } from './schedule/compat/background-scheduler.registry.js';
import { JobEventExplorer } from './hooks/job-event.explorer.js';
import { JobEvents } from './hooks/job-events.js';
import { JobTally } from './hooks/job-tally.js';
import { BackgroundMonitor } from './monitor/background.monitor.js';
import { ActivityRecorder } from './activity/activity.recorder.js';
import { JobTracer } from './tracing/job.tracer.js';

/**
 * Background jobs for the application: `BackgroundModule.forRoot(options)` or
 * `BackgroundModule.forRootAsync({ imports, inject, useFactory | useClass | useExisting })`. Global unless `isGlobal: false`.
 * @publicApi
 */
@Module({
  imports: [DiscoveryModule],
  providers: [
    {
      provide: BACKGROUND_CONFIG,
      useFactory: (options: BackgroundModuleOptions & { isGlobal?: boolean }) => resolveConfig(options),
      inject: [MODULE_OPTIONS_TOKEN],
    },
    {
      provide: STORAGE_ENGINE,
      useFactory: (config: BackgroundConfig) =>
        config.storage === 'memory' ? new MemoryEngine(config) : new RedisEngine(config),
      inject: [BACKGROUND_CONFIG],
    },
    JobHandlerRegistry,
    BackgroundMetadataAccessor,
    BackgroundContextCreator,
    BackgroundInstanceResolver,
    BackgroundExplorer,
    BackgroundOrchestrator,
    StorageGateway,
    BreakerRegistry,
    CircuitBreakerService,
    DeadLetterService,
    EventSubscriptionRegistry,
    EventPublisher,
    EventFanOut,
    LocalEventRunner,
    FireAndForgetRunner,
    JobPreparer,
    JobsService,
    FlowsService,
    BatchesService,
    ScheduleRegistry,
    ScheduleTickRunner,
    ScheduleOrchestrator,
    SchedulerService,
    BackgroundSchedulerRegistry,
    JobEvents,
    JobEventExplorer,
    JobTally,
    JobTracer,
    BackgroundMonitor,
    ActivityRecorder,
  ],
  // BackgroundMonitor is for the health and metrics entry points, the engine, gateway and recorder for the
  // dashboard's, LocalEventRunner for the event-emitter one: not part of the public API
  exports: [
    JobsService,
    DeadLetterService,
    CircuitBreakerService,
    SchedulerService,
    BackgroundSchedulerRegistry,
    JobEvents,
    BackgroundMonitor,
    STORAGE_ENGINE,
    StorageGateway,
    ActivityRecorder,
    LocalEventRunner,
  ],
})
export class BackgroundModule extends ConfigurableModuleClass {
  /** With no options: Redis at `REDIS_URL` (or 127.0.0.1:6379) and every default. */
  static override forRoot(options: typeof OPTIONS_TYPE = {}): DynamicModule {
    return super.forRoot(options);
  }

  /**
   * Options made at start-up: `useFactory` (with `inject`), or `useClass` / `useExisting`, a class
   * with `create()` or, moved over from `ScheduleModule`, `createScheduleOptions()`.
   */
  static override forRootAsync(options: BackgroundModuleAsyncOptions): DynamicModule {
    return super.forRootAsync(withFactoryClass(options));
  }
}
