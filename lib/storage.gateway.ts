import { Inject, Injectable } from '@nestjs/common';
import { BACKGROUND_CONFIG } from './background.constants.js';
import type { BackgroundConfig } from './background.config.js';
import { JobHandlerRegistry } from './registry/job-handler.registry.js';
import { describeAddress } from './engine/redis/redis.address.js';
import { toUnavailable } from './engine/redis/redis.connection.js';
import { STORAGE_ENGINE, type StorageEngine } from './engine/storage-engine.interface.js';

/** What the public services share in front of the engine: which queues to look in, and outages in this module's words. */
@Injectable()
export class StorageGateway {
  constructor(
    @Inject(BACKGROUND_CONFIG) private readonly config: BackgroundConfig,
    @Inject(STORAGE_ENGINE) private readonly engine: StorageEngine,
    private readonly registry: JobHandlerRegistry,
  ) {}

  /**
   * What callers see of an outage is this module's own error, naming the address: ioredis'
   * (MaxRetriesPerRequestError, "Stream isn't writeable") say neither where nor what to do.
   */
  async call<T>(call: Promise<T>): Promise<T> {
    try {
      return await call;
    } catch (error) {
      throw toUnavailable(error, describeAddress(this.config.connection));
    }
  }

  /** Every queue with a handler here or known to storage (configured, registered or used). */
  async queues(): Promise<string[]> {
    return [...new Set([...this.registry.queues(), ...(await this.call(this.engine.knownQueues()))])];
  }
}
