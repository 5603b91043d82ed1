import { InvalidOptionsError } from '../lib/index.js';
import { createTestApp, type TestApp } from './support/test-app.js';
import { WorkerProcess } from './support/worker-process.js';

describe('fireAndForget', () => {
  it('catches, logs and counts a task that throws at once and tasks that reject; the process sees no unhandled rejection and lives on', async () => {
    // its own process: Jest keeps unhandled rejections of test code to itself
    const child = await WorkerProcess.spawn({}, 'fire-and-forget.app');
    expect(child.messages.find((message) => 'failures' in message)).toEqual({ failures: 3, unhandled: [] });
    expect(await child.exited).toBe(0);
  });

  describe('in this process', () => {
    let app: TestApp;
    beforeEach(async () => (app = await createTestApp({ storage: 'memory' })));
    afterEach(() => app.close());

    it('counts failures in getStats(), and shutdown waits for a task still running', async () => {
      expect((await app.jobs.getStats()).fireAndForgetFailures).toBe(0);
      const done: string[] = [];
      app.jobs.fireAndForget(async function slowFailure() {
        await new Promise((resolve) => setTimeout(resolve, 20));
        done.push('ran');
        throw new Error('boom');
      });
      await app.close();
      expect(done).toEqual(['ran']);
      expect((await app.jobs.getStats()).fireAndForgetFailures).toBe(1);
    });

    it('refuses what is not a function, at the call', () => {
      expect(() => app.jobs.fireAndForget('sendMail' as never)).toThrow(InvalidOptionsError);
      expect(() => app.jobs.fireAndForget('sendMail' as never)).toThrow(
        'fireAndForget() expects a function (data) => unknown, got "sendMail". Pass the function itself, not its result.',
      );
    });
  });
});
