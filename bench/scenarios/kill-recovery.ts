import { nowMs, sleep } from '../clock.js';
import { fillBacklog } from './backlog.js';
import type { ScenarioRunner } from './scenario-context.js';
import { WorkerChild } from './worker-child.js';

/** Resolves once `ready()` holds (checked every few ms), rejects after `timeoutMs` or if `failed()` gives an error. */
async function until(ready: () => boolean, timeoutMs: number, failed: () => Error | undefined, what: string): Promise<boolean> {
  const deadline = nowMs() + timeoutMs;
  for (;;) {
    const error = failed();
    if (error) throw error;
    if (ready()) return true;
    if (nowMs() > deadline) {
      if (what) throw new Error(`${what}: not within ${timeoutMs / 1000} s`);
      return false;
    }
    await sleep(5);
  }
}

/**
 * Scenario 9: a worker process is SIGKILLed while it runs `held` jobs of `jobMs` each; how long
 * until they run again on the worker process that survives? `held + backlog` jobs are queued;
 * the victim (concurrency `held`) starts first and takes `held` of them, then the survivor
 * (concurrency `survivorConcurrency`, room for all) starts and takes the backlog. `killAfterMs`
 * after the victim's last start it is killed. Measured: from the kill until every job the
 * survivor had not started by then has started on it (the times are the survivor's own, so no
 * IPC delay is counted). `leaseMs` 0 keeps each library's defaults; otherwise nestjs-background
 * gets it as `leaseMs` and BullMQ as both `lockDuration` and `stalledInterval`.
 */
export const killRecovery: ScenarioRunner = async ({ request, params, system }) => {
  const { held, backlog, jobMs, survivorConcurrency, leaseMs, killAfterMs, recoveryTimeoutMs } = params;
  const total = held + backlog;
  await fillBacklog(system, total);
  const { redisPort, namespace, bullmqJobOptions } = request;
  const settings = { jobMs, ...(leaseMs > 0 ? { leaseMs } : {}) };
  const base = { system: request.system, redisPort, namespace, bullmqJobOptions, settings, reportStarts: true };
  const [victim, survivor] = await Promise.all([
    WorkerChild.spawn({ ...base, concurrency: held }),
    WorkerChild.spawn({ ...base, concurrency: survivorConcurrency }),
  ]);
  let failure: Error | undefined;
  const onFailure = (error: Error) => (failure ??= error);
  victim.watch(() => {}, onFailure);
  survivor.watch(() => {}, onFailure);
  const failed = () => failure;
  try {
    await victim.start();
    await until(() => victim.count >= held, 10_000, failed, `the first worker did not start ${held} jobs`);
    await survivor.start();
    // the survivor takes the backlog; if the victim has claimed some of it ahead, it never gets those
    await until(() => survivor.count >= backlog, 500, failed, '');
    await sleep(Math.max(0, victim.lastAt + killAfterMs - nowMs()));
    const killedAt = nowMs();
    victim.kill();
    if (killedAt - victim.firstAt > jobMs - 200) throw new Error(`setup too slow: the victim's first job had run ${Math.round(killedAt - victim.firstAt)} ms of ${jobMs} at the kill`);
    // every job not yet started on the survivor was held (running or claimed) by the victim
    const pending: number[] = [];
    for (let i = 0; i < total; i++) if (!survivor.starts.has(i)) pending.push(i);
    await until(() => pending.every((i) => survivor.starts.has(i)), recoveryTimeoutMs, failed, `the survivor did not start the ${pending.length} jobs of the killed worker`);
    const restartedAt = pending.map((i) => survivor.starts.get(i)!);
    return {
      recoveryMs: Math.max(...restartedAt) - killedAt,
      firstRestartMs: Math.min(...restartedAt) - killedAt,
      runningOnKilled: [...victim.starts.values()].filter((at) => at > killedAt - jobMs).length,
      heldByKilled: pending.length,
      survivorStartsBeforeKill: total - pending.length,
      killAfterLastStartMs: killedAt - victim.lastAt,
    };
  } finally {
    victim.kill();
    survivor.kill();
  }
};
