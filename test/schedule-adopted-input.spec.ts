import { Injectable, Scope } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { Cron as PeerCron, CronExpression as PeerCronExpression, Interval as PeerInterval, ScheduleModule } from '@nestjs/schedule';
import { BackgroundModule, Cron, SchedulerService } from '../lib/index.js';
import { CapturedLog } from './support/captured-log.js';

// Bad input on @nestjs/schedule's decorators (and the options they bring to ours) fails the
// bootstrap naming Class@method and the fix; what @nestjs/schedule only warned about still warns.

async function start(providers: Function[], log?: CapturedLog) {
  const moduleRef = await Test.createTestingModule({ imports: [BackgroundModule.forRoot({ storage: 'memory' })], providers: providers as never[] }).compile();
  const app = moduleRef.createNestApplication({ logger: log ?? false });
  try {
    await app.init();
  } catch (error) {
    await app.close().catch(() => undefined);
    throw error;
  }
  return app;
}

describe('bad options of the adopted decorators fail the bootstrap, naming the method and the fix', () => {
  const fails = async (provider: Function, message: string) => {
    await expect(start([provider])).rejects.toThrow(message);
  };

  it('a utcOffset out of range', async () => {
    @Injectable()
    class Offset {
      @PeerCron('0 0 9 * * *', { utcOffset: 900 }) run() {}
    }
    await fails(
      Offset,
      "@Cron() on Offset@run: utcOffset 900 is not an offset from UTC. Give whole minutes from -720 to 840 (UTC-12:00 to UTC+14:00), e.g. utcOffset: 330 for UTC+05:30, or a timeZone such as 'Asia/Kolkata' instead.",
    );
  });

  it('a Date in the past', async () => {
    @Injectable()
    class Past {
      @PeerCron(new Date('2020-01-01T00:00:00Z')) run() {}
    }
    await fails(
      Past,
      '@Cron() on Past@run: the one-off time 2020-01-01T00:00:00.000Z is in the past, so the method would never run. Give a later Date, mark it disabled: true, or remove the decorator.',
    );
  });

  it('an invalid Date', async () => {
    @Injectable()
    class Invalid {
      @PeerCron(new Date('not a date')) run() {}
    }
    await fails(
      Invalid,
      '@Cron() on Invalid@run: the Date given as the cron time is not a valid date. Give a valid Date (new Date(\'2030-01-01T09:00:00Z\')) or a cron expression.',
    );
  });

  it('a negative threshold, and a negative initialDelay', async () => {
    @Injectable()
    class Threshold {
      @PeerCron('* * * * * *', { threshold: -1 }) run() {}
    }
    await fails(Threshold, 'Invalid @Cron() on Threshold@run option "threshold": expected an integer of at least 0, got -1.');
    @Injectable()
    class Delay {
      @PeerCron('* * * * * *', { initialDelay: -5 }) run() {}
    }
    await fails(Delay, 'Invalid @Cron() on Delay@run option "initialDelay": expected an integer of at least 0, got -5.');
  });

  it('timeZone and utcOffset together', async () => {
    @Injectable()
    class Both {
      @PeerCron('* * * * * *', { timeZone: 'Europe/Paris', utcOffset: 60 } as never) run() {}
    }
    await fails(Both, '@Cron() on Both@run: timeZone and utcOffset are both given, and cron reads an expression in one zone. Keep one of them.');
  });

  it('an option @nestjs/schedule does not have, on its @Cron', async () => {
    @Injectable()
    class Extra {
      @PeerCron('* * * * * *', { scope: 'instance' } as never) run() {}
    }
    await fails(
      Extra,
      'Unknown option "scope" in @Cron() on Extra@run options. Valid options are: name, timeZone, utcOffset, waitForCompletion, initialDelay, threshold, unrefTimeout, disabled.',
    );
  });

  it('waitForCompletion and overlap saying opposite things, on our @Cron', async () => {
    @Injectable()
    class Ours {
      @Cron('* * * * * *', { waitForCompletion: true, overlap: true }) run() {}
    }
    await fails(Ours, '@Cron() on Ours@run: waitForCompletion and overlap say opposite things (waitForCompletion: true is overlap: false). Keep one of them.');
  });

  it('ScheduleModule.forRoot() still imported beside BackgroundModule', async () => {
    @Injectable()
    class Twice {
      @PeerInterval(1000) run() {}
    }
    const moduleRef = await Test.createTestingModule({ imports: [BackgroundModule.forRoot({ storage: 'memory' }), ScheduleModule.forRoot()], providers: [Twice] }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    try {
      await expect(app.init()).rejects.toThrow(
        'ScheduleModule.forRoot() and BackgroundModule.forRoot() are both imported, so the @nestjs/schedule decorators on Twice@run would run twice: once per process by ScheduleModule and once per cluster by BackgroundModule. Remove ScheduleModule.forRoot() from the imports (BackgroundModule runs them; its schedule option takes the cronJobs, intervals and timeouts switches).',
      );
    } finally {
      await app.close().catch(() => undefined);
    }
  });
});

describe('what @nestjs/schedule only warned about', () => {
  it('its decorators on a request-scoped provider are skipped with its own warning, and the application starts', async () => {
    @Injectable({ scope: Scope.REQUEST })
    class PerRequest {
      @PeerCron(PeerCronExpression.EVERY_MINUTE) handleCron() {}
    }
    const log = new CapturedLog();
    const app = await start([PerRequest], log);
    try {
      expect(log.lines).toContain('warn Cannot register cron job "PerRequest@handleCron" because it is defined in a non static provider.');
      expect(await app.get(SchedulerService).list()).toEqual([]);
    } finally {
      await app.close();
    }
  });

  it('ours on a request-scoped provider still fail the bootstrap', async () => {
    @Injectable({ scope: Scope.REQUEST })
    class OursPerRequest {
      @Cron(PeerCronExpression.EVERY_MINUTE) handleCron() {}
    }
    await expect(start([OursPerRequest])).rejects.toThrow('OursPerRequest@handleCron');
  });
});
