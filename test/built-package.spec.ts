import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RedisServer } from './support/redis-server.js';
import { createTestApp, type TestApp } from './support/test-app.js';
import { WorkerProcess } from './support/worker-process.js';

/** What `npm run build:test` compiled from lib/, as `npm run build` does for the package. */
const BUILT_LIB = 'dist-test/lib';

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? filesUnder(join(dir, entry.name)) : [join(dir, entry.name)],
  );
}

describe('the built package', () => {
  it('carries its Lua scripts in its JavaScript, so a bundle needs no .lua file beside it', () => {
    expect(filesUnder(BUILT_LIB).filter((file) => file.endsWith('.lua'))).toEqual([]);
    const scripts = readFileSync(join(BUILT_LIB, 'engine/redis/redis-scripts.js'), 'utf8');
    expect(scripts).not.toContain('readFileSync');
    expect(scripts).not.toContain('import.meta.url');
  });

  describe('with no .lua file on disk', () => {
    let server: RedisServer;
    let producer: TestApp | undefined;
    beforeAll(async () => (server = await RedisServer.start()));
    afterEach(() => producer?.close());
    afterAll(() => server.stop());

    it('runs jobs on Redis', async () => {
      // the worker process runs the build in dist-test, which has only the compiled JavaScript
      const worker = await WorkerProcess.spawn({ REDIS_URL: server.url, PREFIX: 'built', CONCURRENCY: '2' });
      producer = await createTestApp({ connection: server.url, prefix: 'built', workers: false });
      const ids = (await producer.jobs.enqueueMany([1, 2, 3].map((i) => ({ name: 'count', data: { i } })))).map((r) => r.id);
      for (const id of ids) await producer.jobs.waitFor(id, { timeoutMs: 5000 });
      await expect(worker.stop()).resolves.toBe(3);
    });
  });
});
