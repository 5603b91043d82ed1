import { jest } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { BackgroundModule } from '../../../lib/index.js';
import { EventEmitterModule } from '../../../lib/event-emitter/index.js';
import { AuditListener } from './src/audit.listener.js';
import { DigestScheduler } from './src/digest.scheduler.js';

// The unit test tutorials write for a scheduler, with jest.useFakeTimers(): ScheduleModule.forRoot() swapped for
// BackgroundModule on the memory engine, with advanceTimersByTimeAsync or the synchronous advanceTimersByTime.
describe('DigestScheduler with fake timers', () => {
  let app: INestApplication | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
    jest.useRealTimers();
  });

  async function start(): Promise<INestApplication> {
    jest.useFakeTimers({ now: new Date('2030-01-01T00:00:00Z') });
    const moduleRef = await Test.createTestingModule({
      // was: imports: [ScheduleModule.forRoot(), EventEmitterModule.forRoot({ wildcard: true })]
      imports: [BackgroundModule.forRoot({ storage: 'memory' }), EventEmitterModule.forRoot({ wildcard: true })],
      providers: [DigestScheduler, AuditListener],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    return app;
  }

  it('sends a digest every 30 s and cleans up every minute; each digest event reaches the ** listener', async () => {
    const started = await start();
    await jest.advanceTimersByTimeAsync(60_000);
    expect(started.get(DigestScheduler).digests).toBe(2);
    expect(started.get(DigestScheduler).cleanups).toBe(1);
    // the event emitted in a tick is a job of its own, run on the same fake clock
    await jest.advanceTimersByTimeAsync(100);
    expect(started.get(AuditListener).entries).toEqual(['any {"count":1}', 'any {"count":2}']);
  });

  it('the synchronous advanceTimersByTime runs the ticks too, inside their timers, as with ScheduleModule', async () => {
    const started = await start();
    jest.advanceTimersByTime(60_000);
    expect(started.get(DigestScheduler).digests).toBe(2);
    expect(started.get(DigestScheduler).cleanups).toBe(1);
  });
});
