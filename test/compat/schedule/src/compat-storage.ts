// Not part of @nestjs/schedule's suite: what runs it on each of this module's engines.
import { afterAll, beforeAll, jest } from '@jest/globals';
import type { ScheduleModuleOptions } from '@nestjs/schedule';
import type { BackgroundModuleOptions } from '../../../../lib/index.js';
import { RedisServer } from '../../../support/redis-server.js';

export const COMPAT_ENGINES = ['memory', 'redis'] as const;
export type CompatEngine = (typeof COMPAT_ENGINES)[number];

let engine: BackgroundModuleOptions = { storage: 'memory' };
let prefixes = 0;

/** Runs the enclosing describe on `name`: the memory engine, or a Redis server of its own (each app under a new prefix). */
export function useEngine(name: CompatEngine): void {
  let server: RedisServer | undefined;
  beforeAll(async () => {
    // the suite leaves fake timers installed after some of its tests
    jest.useRealTimers();
    if (name === 'redis') server = await RedisServer.start();
    engine = name === 'redis' ? { storage: 'redis', connection: server!.url } : { storage: 'memory' };
  });
  afterAll(async () => {
    jest.useRealTimers();
    await server?.stop();
    engine = { storage: 'memory' };
  });
}

/** `ScheduleModule.forRoot(options)`'s options (its switches, `schedule` here), with the storage option of the engine under test. */
export function withStorage(options?: ScheduleModuleOptions): BackgroundModuleOptions {
  const prefix = engine.storage === 'redis' ? { prefix: `compat${++prefixes}` } : {};
  return { ...engine, ...prefix, ...(options && { schedule: options }) };
}
