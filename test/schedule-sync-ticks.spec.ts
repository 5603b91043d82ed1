import { Injectable, type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { jest } from '@jest/globals';
import { Cron, CronExpression } from '@nestjs/schedule';
import { BackgroundModule, DeadLetterService, JobsService, Retry, SchedulerService } from '../lib/index.js';

// A user's unit test of a scheduled service, written for @nestjs/schedule: jest.useFakeTimers() and the
// synchronous jest.advanceTimersByTime(ms), on the memory engine. Each tick's method runs inside its
// timer callback, and each tick is still a job.

const START = Date.UTC(2030, 0, 1); // a whole hour

@Injectable()
class Heartbeat {
  beats = 0;
  @Cron(CronExpression.EVERY_SECOND, { name: 'heartbeat' })
  beat() {
    this.beats++;
    return this.beats;
  }
}

@Injectable()
class Flaky {
  calls = 0;
  @Cron(CronExpression.EVERY_MINUTE, { name: 'flaky' })
  fail(): never {
    this.calls++;
    throw new Error(`flaky failed (call ${this.calls})`);
  }
}

@Injectable()
class RetriedFlaky {
  calls = 0;
  @Cron(CronExpression.EVERY_MINUTE, { name: 'retried' })
  @Retry({ attempts: 2, backoff: { type: 'fixed', delayMs: 1000 } })
  fail() {
    this.calls++;
    if (this.calls === 1) throw new Error('first attempt fails');
    return 'second attempt';
  }
}

@Injectable()
class Slow {
  started = 0;
  finish: (() => void) | undefined;
  @Cron(CronExpression.EVERY_SECOND, { name: 'slow', waitForCompletion: true })
  run() {
    this.started++;
    return new Promise<void>((resolve) => (this.finish = resolve));
  }
}

@Injectable()
class HostileResult {
  calls = 0;
  @Cron(CronExpression.EVERY_MINUTE, { name: 'hostile' })
  run() {
    this.calls++;
    // a value whose `then` cannot even be read
    return {
      get then(): never {
        throw new Error('then cannot be read');
      },
    };
  }
}

@Injectable()
class Rejecting {
  calls = 0;
  @Cron(CronExpression.EVERY_MINUTE, { name: 'rejecting' })
  run() {
    this.calls++;
    return Promise.reject(new Error('rejected tick'));
  }
}

@Injectable()
class Overlapping {
  started = 0;
  finishers: (() => void)[] = [];
  @Cron(CronExpression.EVERY_SECOND, { name: 'overlapping' })
  run() {
    this.started++;
    return new Promise<void>((resolve) => this.finishers.push(resolve));
  }
}

async function start(provider: Function, options: object = {}): Promise<INestApplication> {
  const moduleRef = await Test.createTestingModule({
    imports: [BackgroundModule.forRoot({ storage: 'memory', ...options })],
    providers: [provider as never],
  }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  jest.useFakeTimers({ now: START });
  await app.init();
  return app;
}

describe('a tick under fake timers on the memory engine, with the synchronous advanceTimersByTime', () => {
  let app: INestApplication | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
    jest.useRealTimers();
  });

  it('runs the method inside the timer callback, as @nestjs/schedule does, and is a job', async () => {
    app = await start(Heartbeat);
    const heartbeat = app.get(Heartbeat);
    jest.advanceTimersByTime(3000);
    expect(heartbeat.beats).toBe(3);
    const third = await app.get(JobsService).getJob(`schedule:heartbeat:${START + 3000}`);
    expect(third).toMatchObject({ name: 'schedule:heartbeat', state: 'completed', attempts: 1, result: 3 });
    const [listed] = await app.get(SchedulerService).list();
    expect(listed).toMatchObject({ name: 'heartbeat', lastRunAt: new Date(START + 3000), lastOutcome: 'completed' });
  });

  it('stops at once when the schedule is stopped between two advances', async () => {
    app = await start(Heartbeat);
    jest.advanceTimersByTime(2000);
    await app.get(SchedulerService).pause('heartbeat');
    jest.advanceTimersByTime(2000);
    expect(app.get(Heartbeat).beats).toBe(2);
  });

  it('settles a tick that throws as a job: dead, with its error, when no attempt is left', async () => {
    app = await start(Flaky);
    jest.advanceTimersByTime(60_000);
    expect(app.get(Flaky).calls).toBe(1);
    const tick = await app.get(JobsService).getJob(`schedule:flaky:${START + 60_000}`);
    expect(tick).toMatchObject({ state: 'dead', attempts: 1 });
    expect(tick!.errors.map((error) => error.message)).toEqual(['flaky failed (call 1)']);
    expect((await app.get(DeadLetterService).list()).map((job) => job.id)).toEqual([`schedule:flaky:${START + 60_000}`]);
  });

  it('retries a tick that throws as any job (@Retry), the retry claimed the usual way', async () => {
    app = await start(RetriedFlaky);
    jest.advanceTimersByTime(60_000);
    expect(app.get(RetriedFlaky).calls).toBe(1);
    await jest.advanceTimersByTimeAsync(1000);
    const id = `schedule:retried:${START + 60_000}`;
    const tick = await app.get(JobsService).waitFor(id, { timeoutMs: 5000 });
    expect(tick).toBe('second attempt');
    expect(await app.get(JobsService).getJob(id)).toMatchObject({ state: 'completed', attempts: 2 });
  });

  it('skips ticks due while the previous run goes on (waitForCompletion), and runs the next one after it', async () => {
    app = await start(Slow);
    const slow = app.get(Slow);
    jest.advanceTimersByTime(3000);
    expect(slow.started).toBe(1);
    slow.finish!();
    await jest.advanceTimersByTimeAsync(0);
    jest.advanceTimersByTime(1000);
    expect(slow.started).toBe(2);
    const skipped = await app.get(JobsService).getJob(`schedule:slow:${START + 2000}`);
    expect(skipped).toMatchObject({ state: 'completed', result: { skipped: 'overlap' } });
    slow.finish!();
  });
  it('settles a tick whose method returns a rejected promise, or a value whose then cannot be read, as a failed job: none stays active', async () => {
    app = await start(Rejecting);
    jest.advanceTimersByTime(60_000);
    expect(app.get(Rejecting).calls).toBe(1);
    await jest.advanceTimersByTimeAsync(0);
    const rejected = await app.get(JobsService).getJob(`schedule:rejecting:${START + 60_000}`);
    expect(rejected).toMatchObject({ state: 'dead', attempts: 1 });
    expect(rejected!.errors.map((error) => error.message)).toEqual(['rejected tick']);
    await app.close();
    jest.useRealTimers();

    app = await start(HostileResult);
    jest.advanceTimersByTime(60_000);
    expect(app.get(HostileResult).calls).toBe(1);
    await jest.advanceTimersByTimeAsync(0);
    const hostile = await app.get(JobsService).getJob(`schedule:hostile:${START + 60_000}`);
    expect(hostile).toMatchObject({ state: 'dead', attempts: 1 });
    expect(hostile!.errors.map((error) => error.message)).toEqual(['then cannot be read']);
  });
});

describe('a synchronous tick is held back as any job', () => {
  let app: INestApplication | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
    jest.useRealTimers();
  });

  it("by the queue's concurrency: ticks beyond it wait, and start as runs end", async () => {
    app = await start(Overlapping, { queues: { default: { concurrency: 1 } } });
    const overlapping = app.get(Overlapping);
    jest.advanceTimersByTime(3000);
    expect(overlapping.started).toBe(1);
    overlapping.finishers.shift()!();
    await jest.advanceTimersByTimeAsync(100);
    expect(overlapping.started).toBe(2);
    for (const finish of overlapping.finishers.splice(0)) finish();
  });

  it('by a paused queue: nothing runs until it is resumed, then the latest tick stored meanwhile (the older one missed)', async () => {
    app = await start(Overlapping);
    const jobs = app.get(JobsService);
    await jobs.pause('default');
    jest.advanceTimersByTime(2000);
    expect(app.get(Overlapping).started).toBe(0);
    expect(await jobs.getJob(`schedule:overlapping:${START + 1000}`)).toMatchObject({ state: 'waiting' });
    await jobs.resume('default');
    await jest.advanceTimersByTimeAsync(100);
    expect(app.get(Overlapping).started).toBe(1);
    expect(await jobs.getJob(`schedule:overlapping:${START + 1000}`)).toMatchObject({ state: 'completed', result: { skipped: 'missed' } });
    expect(await jobs.getJob(`schedule:overlapping:${START + 2000}`)).toMatchObject({ state: 'active' });
    for (const finish of app.get(Overlapping).finishers.splice(0)) finish();
  });
});

describe('real timers that only look like fakes', () => {
  it('a test that spies on setTimeout (jest.spyOn, calling through) under real timers still gets every tick, once', async () => {
    const spy = jest.spyOn(globalThis, 'setTimeout');
    const moduleRef = await Test.createTestingModule({
      imports: [BackgroundModule.forRoot({ storage: 'memory' })],
      providers: [Heartbeat],
    }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    try {
      await app.init();
      const heartbeat = app.get(Heartbeat);
      const deadline = Date.now() + 30_000;
      while (heartbeat.beats < 3 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(heartbeat.beats).toBeGreaterThanOrEqual(3);
      const [listed] = await app.get(SchedulerService).list();
      expect(listed).toMatchObject({ name: 'heartbeat', lastOutcome: 'completed' });
      // one run per tick: every completed tick is a run counted (none twice), and runs settle
      const before = heartbeat.beats;
      const completed = (await app.get(JobsService).getStats()).queues.default?.completed ?? 0;
      expect(completed).toBeGreaterThanOrEqual(before - 2);
      expect(completed).toBeLessThanOrEqual(heartbeat.beats);
    } finally {
      await app.close();
      spy.mockRestore();
    }
  });
});
