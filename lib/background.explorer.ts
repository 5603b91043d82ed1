import { Injectable, type OnModuleInit } from '@nestjs/common';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import type { InstanceWrapper } from '@nestjs/core/injector/instance-wrapper.js';
import { DEFAULT_QUEUE, assertKnownKeys, assertQueueName, integer, resolvePriority } from './background.config.js';
import { JOB_NAME_MISSING, REQUEST_SCOPED_HANDLER } from './background.messages.js';
import { BackgroundMetadataAccessor } from './background-metadata.accessor.js';
import { InvalidOptionsError } from './errors/invalid-options.error.js';
import { JobHandlerRegistry } from './registry/job-handler.registry.js';

const JOB_OPTION_KEYS = ['queue', 'concurrency', 'priority', 'timeoutMs', 'attempts'] as const;

/** Finds every `@Job` method of the application's singleton providers at startup. */
@Injectable()
export class BackgroundExplorer implements OnModuleInit {
  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly accessor: BackgroundMetadataAccessor,
    private readonly registry: JobHandlerRegistry,
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
      if (!metadata) continue;
      const target = `${(metatype as Function | undefined)?.name ?? prototype.constructor.name}@${method}`;
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
        attempts: options.attempts === undefined ? undefined : integer(where, 'attempts', options.attempts, 1, 1),
        concurrency: options.concurrency === undefined ? undefined : integer(where, 'concurrency', options.concurrency, 1, 1),
        invoke: (data, ctx) => instance[method](data, ctx),
      });
    }
  }
}
