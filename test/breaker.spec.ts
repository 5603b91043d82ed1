import { Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { CircuitBreaker, CircuitBreakerService, Job } from '../lib/index.js';
import { smtpBreaker } from './fixtures/breaker.options.js';
import { eventually } from './support/test-app.js';
import { WorkerProcess, workerProcessSuite } from './support/worker-process.js';

const RESET_MS = 400;

/** The producer's declaration of the same breaker, so that it can read it. */
@Injectable()
class MailJobs {
  @Job('mail', { attempts: 5 })
  @CircuitBreaker('smtp', smtpBreaker(RESET_MS))
  mail() {}
}

type Call = { call: string; at: number; running: number };

describe('a circuit breaker shared by two worker processes', () => {
  const suite = workerProcessSuite();

  it('opens in both, stops attempts while open, probes one job at a time across both, and runs every job once the dependency is back', async () => {
    const redis = suite.client();
    await redis.set('brk:smtp', 'down');
    const env = { REDIS_URL: suite.server.url, PREFIX: 'brk', CONCURRENCY: '5', RESET_MS: String(RESET_MS) };
    const workers = await Promise.all([WorkerProcess.spawn(env, 'breaker.app'), WorkerProcess.spawn(env, 'breaker.app')]);
    const producer = await suite.producer({ connection: suite.server.url, prefix: 'brk', workers: false }, [MailJobs]);
    const breakers = producer.app.get(CircuitBreakerService);
    const smtp = async () => (await breakers.list())[0]!;
    const calls = () => workers.flatMap((worker) => worker.messages.filter((message): message is Call => 'call' in message));

    const ids = (await producer.jobs.enqueueMany(Array.from({ length: 30 }, (_, n) => ({ name: 'mail', data: { n } })))).map(({ id }) => id);
    await eventually('the breaker to open', async () => (await smtp()).state === 'open');
    const opened = (await smtp()).openedAt!.getTime();
    const jobs = async () => Promise.all(ids.map(async (id) => (await producer.jobs.getJob(id))!));
    const attempts = async () => (await jobs()).reduce((sum, job) => sum + job.attempts, 0);
    // the jobs claimed while it was closed still run (on a loaded machine their calls may start
    // long after it opened): from when they have all ended, only probes run
    const claimedClosed = async () => (await jobs()).filter((job) => job.state === 'active' && job.startedAt!.getTime() <= opened);
    await eventually('the jobs claimed while it was closed to end', async () => (await claimedClosed()).length === 0, 30_000);
    const onlyProbes = Date.now();
    const usedWhenOnlyProbes = await attempts();

    // over several reset timeouts, only probes run: one at a time across both processes
    await new Promise((resolve) => setTimeout(resolve, 4 * RESET_MS));
    const probes = calls().filter((call) => call.at > onlyProbes);
    expect(probes.length).toBeGreaterThanOrEqual(2);
    expect(probes.length).toBeLessThanOrEqual(6);
    expect(Math.max(...probes.map((call) => call.running))).toBe(1);
    // a probe's attempt counts when it is claimed, its call a moment later: one may be between the two
    expect(await attempts()).toBeLessThanOrEqual(usedWhenOnlyProbes + probes.length + 1);
    expect((await smtp()).parked).toBeGreaterThan(20);

    await redis.del('brk:smtp');
    const recovered = Date.now();
    for (const id of ids) expect(await producer.jobs.waitFor(id, { timeoutMs: 10_000 })).toBe('sent');
    expect(await producer.jobs.countDead()).toBe(0);
    expect(await smtp()).toMatchObject({ state: 'closed', parked: 0 });
    // each transition is logged by the one process whose claim made it
    const logs = workers.flatMap((worker) => worker.messages.filter((message) => 'log' in message).map((message) => String(message.message)));
    expect(logs.filter((message) => message.includes('closed')).length).toBe(1);
    const openings = logs.filter((message) => message.includes('opened')).length;
    const halfOpenings = logs.filter((message) => message.includes('half-open')).length;
    expect(openings).toBeGreaterThanOrEqual(1);
    // it opened once, then once more after each probe that failed; the last probe closed it
    expect(halfOpenings).toBe(openings);
    // the parked jobs ran in both processes once the breaker closed
    for (const worker of workers) {
      expect(worker.messages.some((message) => 'call' in message && (message as Call).at >= recovered)).toBe(true);
    }
  });
});
