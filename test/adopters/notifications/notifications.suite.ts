import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { AppModule } from './src/app.module.js';
import { AuditListener } from './src/audit.listener.js';
import { UsersService } from './src/users.service.js';

/** Polls `check` until it passes: a durable emit's subscribers run in a worker after emit() returned. */
export async function eventually(check: () => void, deadlineMs = 30_000): Promise<void> {
  const end = Date.now() + deadlineMs;
  for (;;) {
    try {
      return check();
    } catch (error) {
      if (Date.now() > end) throw error;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

describe('notifications app: wildcards, emitAsync, emit', () => {
  let app: INestApplication;
  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.init();
  });
  afterAll(async () => app?.close());

  it('emitAsync resolves with what the matching listeners returned (user.validate matches user.*, ** and itself)', async () => {
    const verdicts = await app.get(UsersService).register('u1', 'a@example.com');
    // user.* and ** return undefined; the validator 'ok'
    expect(verdicts.filter((verdict) => verdict !== undefined)).toEqual(['ok']);
    expect(verdicts).toHaveLength(3);
    const refused = await app.get(UsersService).register('u2', 'nobody');
    expect(refused).toContain('invalid email');
  });

  it('emit reaches the wildcard listeners once each, durably', async () => {
    const audit = app.get(AuditListener);
    await eventually(() => {
      expect(audit.entries.filter((entry) => entry === 'user event for u1')).toHaveLength(1);
      expect(audit.entries.filter((entry) => entry === 'any {"id":"u1"}')).toHaveLength(1);
    }).catch((error: Error) => {
      throw new Error(`${error.message}\n${JSON.stringify(audit.entries)}`);
    });
    // u2 was refused: no user.created
    expect(audit.entries).not.toContain('any {"id":"u2"}');
  });

  it('the digest cron (every 30 s) ticks and the event it emits reaches the ** listener', async () => {
    const audit = app.get(AuditListener);
    await eventually(() => expect(audit.entries).toContain('any {"count":1}'), 45_000);
  }, 60_000);
});
