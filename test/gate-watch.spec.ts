import { performance } from 'node:perf_hooks';
import type { ClaimedJob, ClaimResponse } from '../lib/engine/storage-engine.interface.js';
import { GateWatch } from '../lib/worker/gate-watch.js';

const breaker = { name: 'smtp', failureThreshold: 3, windowMs: 10_000, resetTimeoutMs: 1_000, halfOpenProbes: 1 };
const job = (id: string, name: string) => ({ id, name }) as ClaimedJob;
const answer = (extra: Partial<ClaimResponse> = {}) =>
  ({ jobs: [], wakeInMs: null, cancelled: [], reconcile: false, topPriority: null, transitions: [], shutBreakers: [], rateReserveMs: null, ...extra }) as ClaimResponse;

describe('which reserved jobs behind a gate a worker may start (GateWatch)', () => {
  const watch = () => new GateWatch({ breakers: [{ jobName: 'mail', breaker }], rateLimits: [{ jobName: 'sms', max: 100, perMs: 1_000 }] });

  it('says there is no gate when the queue has none', () => {
    expect(new GateWatch({ breakers: [], rateLimits: [] }).any).toBe(false);
    expect(watch().any).toBe(true);
  });

  it('hands back a reserved job behind a breaker the last claim said was shut', () => {
    const gates = watch();
    const mail = job('1', 'mail');
    gates.claimed(answer(), [mail], performance.now());
    expect(gates.verdict(mail)).toBe('start');
    gates.claimed(answer({ shutBreakers: ['smtp'] }), [], performance.now());
    expect(gates.verdict(mail)).toBe('back');
    expect(gates.verdict(job('2', 'other'))).toBe('start');
  });

  it('after a failure behind a breaker here, waits for a claim sent after it', () => {
    const gates = watch();
    const mail = job('1', 'mail');
    const before = performance.now() - 1;
    gates.failed('mail');
    expect(gates.verdict(mail)).toBe('look');
    gates.claimed(answer(), [], before);
    expect(gates.verdict(mail)).toBe('look');
    gates.claimed(answer(), [], performance.now() + 1);
    expect(gates.verdict(mail)).toBe('start');
  });

  it('hands back a reserved job a rate limit counted once the window that counted it is over', () => {
    const gates = watch();
    const sms = job('1', 'sms');
    const late = job('2', 'sms');
    gates.claimed(answer({ rateReserveMs: 60_000 }), [sms], performance.now());
    gates.claimed(answer({ rateReserveMs: 1 }), [late], performance.now() - 10);
    expect(gates.verdict(sms)).toBe('start');
    expect(gates.verdict(late)).toBe('back');
  });
});
