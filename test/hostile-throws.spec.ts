import { RedisServer } from './support/redis-server.js';
import { WorkerProcess } from './support/worker-process.js';

describe('a handler that throws what is not an Error, or an Error that cannot be read', () => {
  let server: RedisServer;
  beforeAll(async () => (server = await RedisServer.start()));
  afterEach(() => WorkerProcess.killAll());
  afterAll(() => server.stop());

  for (const storage of ['memory', 'redis'] as const) {
    it(`fails the attempt with a readable error, and the worker process goes on (${storage})`, async () => {
      // its own process, with Node's defaults: what kills a worker ends it with code 1
      const child = await WorkerProcess.spawn({ STORAGE: storage, REDIS_URL: server.url, PREFIX: `hostile-${storage}` }, 'hostile.app');
      const { report, after, failedSpans, logs } = child.messages.find((message) => 'report' in message) as Record<string, any>;
      const both = (name: string, message: string) => [1, 2].map((attempt) => ({ attempt, name, message }));
      expect(report).toEqual({
        nullPrototype: both('Error', 'non-Error thrown: {}'),
        apiErrorBody: both('Error', 'non-Error thrown: {"toString":"x","message":"quota exceeded"}'),
        toStringThrows: both('Error', 'non-Error thrown: {}'),
        messageGetterThrows: both('Error', '(its message could not be read: {})'),
        proxy: both('Error', 'non-Error thrown: (a value that cannot be read)'),
        string: both('Error', 'non-Error thrown: a plain string'),
      });
      expect(after).toBe('fine');
      // traced and logged: one exception per failed attempt, a line per failure (and per hook that threw)
      expect(failedSpans).toBe(12);
      expect(logs).toBeGreaterThanOrEqual(12);
      expect(await child.exited).toBe(0);
    });
  }
});
