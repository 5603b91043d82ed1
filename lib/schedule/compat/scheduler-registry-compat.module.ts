import { Module, type DynamicModule, type Type } from '@nestjs/common';
import { BackgroundSchedulerRegistry } from './background-scheduler.registry.js';

/** The peer's one module name, in a variable so that bundlers and type checkers of apps without it leave the import alone. */
const SCHEDULE_PEER = '@nestjs/schedule';

/**
 * Provides `BackgroundSchedulerRegistry` under `@nestjs/schedule`'s own `SchedulerRegistry` class,
 * so that code written for that package injects it unchanged. The package is an optional peer:
 * it is looked for with a dynamic import when the application's modules are scanned (Nest awaits a
 * module given as a promise), so an application without it pays nothing and needs nothing. A
 * `createRequire` could not do it: under Jest's ESM loader it would load a second copy of the package,
 * whose class is another token; a top-level await would make this package impossible to `require()`.
 */
@Module({})
export class SchedulerRegistryCompatModule {
  /** Global, as `ScheduleModule` is; empty when `@nestjs/schedule` is not installed. */
  static async register(): Promise<DynamicModule> {
    const peer = await loadPeerRegistry();
    const providers = peer ? [{ provide: peer, useExisting: BackgroundSchedulerRegistry }] : [];
    return { module: SchedulerRegistryCompatModule, global: true, providers, exports: providers.map((p) => p.provide) };
  }
}

async function loadPeerRegistry(): Promise<Type | null> {
  try {
    const peer = (await import(SCHEDULE_PEER)) as { SchedulerRegistry?: Type };
    return peer.SchedulerRegistry ?? null;
  } catch (error) {
    // only its absence is expected: a peer that is there but fails to load says why
    if (/Cannot find (package|module) '@nestjs\/schedule'/.test((error as Error)?.message ?? '')) return null;
    throw error;
  }
}
