import { Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import type { Subscription } from 'rxjs';
import { BackgroundInstanceResolver } from '../background-instance.resolver.js';
import { readThrown } from '../worker/thrown-value.js';
import { printable } from '../logging/printable.js';
import { ON_JOB_EVENT_METADATA } from './job-event.constants.js';
import type { JobEvent, JobEventType } from './job-event.interface.js';
import { JobEvents } from './job-events.js';
import type { OnJobEventMetadata } from './on-job-event.decorator.js';

/** Finds every `@OnJobEvent` method of the application's providers and calls it with its events. */
@Injectable()
export class JobEventExplorer implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('Background');
  private subscription: Subscription | null = null;

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly reflector: Reflector,
    private readonly events: JobEvents,
    private readonly instances: BackgroundInstanceResolver,
  ) {}

  onModuleInit(): void {
    const listeners = new Map<JobEventType, ((event: JobEvent) => void)[]>();
    for (const wrapper of [...this.discovery.getProviders(), ...this.discovery.getControllers()]) {
      // a `useExisting` alias is the same instance under a second token: its hooks are found once, on the original
      if (wrapper.isAlias) continue;
      const { instance, metatype } = wrapper;
      const prototype = instance ? Object.getPrototypeOf(instance) : (metatype as Function | undefined)?.prototype;
      if (!prototype || typeof prototype !== 'object') continue;
      for (const method of this.scanner.getAllMethodNames(prototype)) {
        const handler = prototype[method] as Function;
        if (!handler || typeof handler !== 'function') continue;
        const types = this.reflector.get<OnJobEventMetadata | undefined>(ON_JOB_EVENT_METADATA, handler);
        if (!types?.length) continue;
        const target = `${(metatype as Function | undefined)?.name ?? prototype.constructor.name}@${method}`;
        if (!instance) continue;
        // a request-scoped provider's hook runs on an instance of its own per event, where REQUEST is the event
        const call = this.instances.caller<JobEvent>(wrapper, method);
        const listener = (event: JobEvent) => this.call(target, () => call(event));
        for (const type of new Set(types)) listeners.set(type, [...(listeners.get(type) ?? []), listener]);
      }
    }
    if (listeners.size === 0) return;
    this.subscription = this.events.events$.subscribe((event) => {
      for (const listener of listeners.get(event.type) ?? []) listener(event);
    });
  }

  onModuleDestroy(): void {
    this.subscription?.unsubscribe();
  }

  /** A hook that fails is the application's bug, never the job's: logged, and the job goes on. */
  private call(target: string, fn: () => unknown): void {
    try {
      const returned = fn();
      if (returned instanceof Promise) returned.catch((error: unknown) => this.failed(target, error));
    } catch (error) {
      this.failed(target, error);
    }
  }

  private failed(target: string, error: unknown): void {
    this.logger.error(`@OnJobEvent hook ${target} failed: ${printable(readThrown(error).message)}`);
  }
}
