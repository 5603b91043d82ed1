import { createHook } from 'node:async_hooks';
import { Test } from '@nestjs/testing';
import type { INestApplication, Provider } from '@nestjs/common';
import { BackgroundModule, JobsService, type BackgroundModuleOptions } from '../../lib/index.js';
import { STORAGE_ENGINE, type StorageEngine } from '../../lib/engine/storage-engine.interface.js';

export interface TestApp {
  app: INestApplication;
  jobs: JobsService;
  engine: StorageEngine;
  close(): Promise<void>;
}

/**
 * An application with BackgroundModule and the given providers, initialised like a real one;
 * `configure` runs before `app.init()`, where an application calls `app.useGlobalGuards()` and the like.
 */
export async function createTestApp(
  options: BackgroundModuleOptions,
  providers: Provider[] = [],
  configure?: (app: INestApplication) => void,
): Promise<TestApp> {
  const moduleRef = await Test.createTestingModule({
    imports: [BackgroundModule.forRoot(options)],
    providers,
  }).compile();
  moduleRef.useLogger(false);
  const app = moduleRef.createNestApplication({ logger: false });
  configure?.(app);
  await app.init();
  let closed = false;
  return {
    app,
    jobs: app.get(JobsService),
    engine: app.get<StorageEngine>(STORAGE_ENGINE),
    close: async () => {
      if (closed) return;
      closed = true;
      await app.close();
    },
  };
}

/** A promise with its resolve function, for awaiting what a handler does. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/**
 * Records the timers and sockets created from now until `stop()`; `alive()` tells which of them
 * still exist, with where each was created (and ends the tracking). Only what was created
 * meanwhile counts, so leftovers of earlier test files running in the same process cannot sway
 * the answer either way.
 */
export function trackResources(): { stop(): void; alive(): string[] } {
  const live = new Map<number, string>();
  let recording = true;
  const hook = createHook({
    init(id, type) {
      if (!recording || !TRACKED_RESOURCES.has(type)) return;
      const stack = new Error().stack!.split('\n').slice(5, 11).join('\n');
      // Jest's reporter ticks in this process too; its timers are not ours to judge
      if (!stack.includes('/node_modules/@jest/')) live.set(id, `${type} created${stack}`);
    },
    destroy(id) {
      live.delete(id);
    },
  }).enable();
  return {
    stop: () => void (recording = false),
    alive: () => {
      hook.disable();
      return [...live.values()].sort();
    },
  };
}

const TRACKED_RESOURCES = new Set(['Timeout', 'Immediate', 'TCPWRAP']);

/**
 * Polls `check` until it returns true, failing after `timeoutMs` with `what` in the message. The
 * default is generous: on a machine shared with other work, what takes 100 ms may take seconds.
 */
export async function eventually(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
