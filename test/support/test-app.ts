import { Test } from '@nestjs/testing';
import type { INestApplication, Type } from '@nestjs/common';
import { BackgroundModule, JobsService, type BackgroundModuleOptions } from '../../lib/index.js';
import { STORAGE_ENGINE, type StorageEngine } from '../../lib/engine/storage-engine.interface.js';

export interface TestApp {
  app: INestApplication;
  jobs: JobsService;
  engine: StorageEngine;
  close(): Promise<void>;
}

/** An application with BackgroundModule and the given providers, initialised like a real one. */
export async function createTestApp(options: BackgroundModuleOptions, providers: Type[] = []): Promise<TestApp> {
  const moduleRef = await Test.createTestingModule({
    imports: [BackgroundModule.forRoot(options)],
    providers,
  }).compile();
  moduleRef.useLogger(false);
  const app = moduleRef.createNestApplication({ logger: false });
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

/** Counts live timers and sockets, to show that closing the app left none behind. */
export function liveResources(): { timers: number; sockets: number } {
  const all = process.getActiveResourcesInfo();
  return {
    timers: all.filter((r) => r === 'Timeout' || r === 'Immediate').length,
    sockets: all.filter((r) => r === 'TCPSocketWrap' || r === 'TCPWrap').length,
  };
}

/** Polls `check` until it returns true, failing after `timeoutMs` with `what` in the message. */
export async function eventually(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
