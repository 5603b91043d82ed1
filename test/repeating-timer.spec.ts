import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { RepeatingTimer } from '../lib/worker/repeating-timer.js';
import { deferred, eventually } from './support/test-app.js';

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('RepeatingTimer', () => {
  const timers: RepeatingTimer[] = [];
  afterEach(() => {
    for (const timer of timers.splice(0)) timer.stop();
  });
  function start(ms: number, task: () => unknown, unref = false): RepeatingTimer {
    const timer = new RepeatingTimer(ms, task, unref).start();
    timers.push(timer);
    return timer;
  }

  it('goes on after a task that throws synchronously or rejects, with no unhandled rejection', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      let calls = 0;
      start(10, () => {
        calls++;
        if (calls % 2 === 1) throw new Error('thrown');
        return Promise.reject(new Error('rejected'));
      });
      await eventually('six calls', () => calls >= 6, 30_000);
      await pause(50);
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('does not call again while a call is under way, and goes on once it settled', async () => {
    const hung = deferred();
    let calls = 0;
    start(10, () => (++calls === 1 ? hung.promise : undefined));
    await eventually('the first call', () => calls === 1);
    await pause(300);
    expect(calls).toBe(1);
    hung.resolve();
    await eventually('calls after the hung one settled', () => calls >= 3, 30_000);
  });

  it('stop() during a call: nothing is armed once it settles; stop() inside the task too', async () => {
    const running = deferred();
    let calls = 0;
    const timer = start(10, () => {
      calls++;
      return running.promise;
    });
    await eventually('the first call', () => calls === 1);
    timer.stop();
    running.resolve();
    await pause(300);
    expect(calls).toBe(1);

    let inner = 0;
    const self: RepeatingTimer = start(10, () => {
      inner++;
      self.stop();
    });
    await eventually('the first call', () => inner === 1);
    await pause(300);
    expect(inner).toBe(1);
  });

  it('unref: a process with only such a timer (one armed again after a call, too) exits; without unref it stays', async () => {
    const module = fileURLToPath(new URL('../dist-test/lib/worker/repeating-timer.js', import.meta.url));
    const run = (unref: boolean, timeout: number) =>
      new Promise<{ calls: number; code: number | null; killed: boolean }>((resolve) => {
        // the process is held up until the timer has been armed again after a settled call (a ref'd wait), then let go
        const script = `let calls = 0; process.on('exit', () => console.log(calls));
          import(${JSON.stringify(module)}).then(({ RepeatingTimer }) => {
            new RepeatingTimer(20, () => { calls++; return new Promise((r) => setTimeout(r, 5)); }, ${unref}).start();
            const hold = setInterval(() => { if (calls >= 2) clearInterval(hold); }, 5);
          })`;
        const child = execFile(process.execPath, ['-e', script], { timeout }, (error, stdout) => {
          resolve({ calls: Number(stdout.trim() || 0), code: child.exitCode, killed: (error as { killed?: boolean } | null)?.killed === true });
        });
      });
    // generous for the process that should exit (a busy machine starts node slowly); the other one is stopped after 3 s
    const unrefd = await run(true, 20_000);
    expect(unrefd).toEqual({ calls: unrefd.calls, code: 0, killed: false });
    expect(unrefd.calls).toBeGreaterThanOrEqual(2);
    expect((await run(false, 3_000)).killed).toBe(true);
  }, 60_000);
});
