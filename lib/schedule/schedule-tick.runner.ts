import { Inject, Injectable, Logger } from '@nestjs/common';
import { BACKGROUND_CONFIG } from '../background.constants.js';
import type { BackgroundConfig } from '../background.config.js';
import { STORAGE_ENGINE, type StorageEngine } from '../engine/storage-engine.interface.js';
import type { JobHandler } from '../registry/job-handler.registry.js';
import type { ScheduleTick } from './schedule-options.interface.js';
import type { DeclaredSchedule } from './schedule.registry.js';
import type { StartVerdict, TickStart } from '../engine/ports/schedule-store.interface.js';
import { synchronousNow, type SynchronousScheduleStore } from './synchronous-engine.interface.js';

/**
 * Runs a tick of a decorated schedule as a job: asks storage whether it runs (the schedule may
 * be paused, at its limit, still running the previous tick, or this tick's time may be over),
 * and while the method runs, holds the schedule so that the next tick waits (`overlap: false`).
 * Under a test's fake timers, on an engine that can (the memory engine), both in the tick's turn.
 */
@Injectable()
export class ScheduleTickRunner {
  private readonly logger = new Logger('Background');
  private readonly lastRuns = new Map<string, number>();

  constructor(
    @Inject(BACKGROUND_CONFIG) private readonly config: BackgroundConfig,
    @Inject(STORAGE_ENGINE) private readonly engine: StorageEngine,
  ) {}

  /** When the last tick of the schedule that came in this process was due, run or skipped for overlap (`SchedulerRegistry`'s `lastDate()`). */
  lastRun(name: string): number | undefined {
    return this.lastRuns.get(name);
  }

  /** The handler of the schedule's tick jobs, around `invoke` (the method with its enhancers). */
  wrap({ definition, timing }: DeclaredSchedule, invoke: JobHandler['invoke']): JobHandler['invoke'] {
    const { name } = definition;
    const leaseMs = this.config.leaseMs;
    // a run whose process dies keeps holding the schedule for two leases: its job's lease ends
    // after one, and the run, handed to another worker, starts again (it holds the schedule still)
    // before a later tick may take the schedule and make it a missed one
    const holdMs = 2 * leaseMs;
    return (data, ctx) => {
      const tick = data as ScheduleTick;
      const start: TickStart = {
        due: tick.due,
        id: ctx.id,
        manual: tick.manual === true,
        overlap: definition.overlap,
        missed: definition.missed,
        followingDue: latestStart(definition.threshold, tick.due, timing!.next(tick.due)),
        limit: definition.limit,
        holdMs,
      };
      const synchronous = synchronousNow(this.engine);
      if (synchronous) return this.runNow(synchronous.schedules, name, start, () => invoke(tick, ctx));
      return this.run(name, start, () => invoke(tick, ctx));
    };
  }

  private async run(name: string, tick: TickStart, invoke: () => unknown): Promise<unknown> {
    const store = this.engine.schedules;
    const verdict = this.started(name, tick, await store.start(name, tick));
    if (verdict !== 'run') return { skipped: verdict };
    // a run longer than the hold keeps it; a run whose process dies lets it lapse
    const renew = setInterval(() => void store.hold(name, tick.id, tick.holdMs).catch(() => undefined), Math.ceil(this.config.leaseMs / 3));
    try {
      return await invoke();
    } finally {
      clearInterval(renew);
      await store.hold(name, tick.id, 0).catch(() => undefined);
    }
  }

  /**
   * The tick under a test's fake timers: its start is one synchronous step and its method is called
   * at once (a method that returns no promise ends in this turn too). The run holds the schedule
   * until it ends, with no timer to renew it: in one process, nothing else can end the run.
   */
  private runNow(store: SynchronousScheduleStore, name: string, tick: TickStart, invoke: () => unknown): unknown {
    const verdict = this.started(name, tick, store.startNow(name, { ...tick, holdMs: Infinity }));
    if (verdict !== 'run') return { skipped: verdict };
    let result: unknown;
    try {
      result = invoke();
    } catch (error) {
      store.holdNow(name, tick.id, 0);
      throw error;
    }
    const release = () => store.holdNow(name, tick.id, 0);
    if (typeof (result as PromiseLike<unknown> | null)?.then !== 'function') return release(), result;
    return Promise.resolve(result).finally(release);
  }

  /** Notes a tick that came (for `lastRun`) and logs one skipped; returns the verdict. */
  private started(name: string, tick: TickStart, verdict: StartVerdict): StartVerdict {
    // as cron's lastDate(): the tick came, though it waits out the previous run (waitForCompletion)
    if (!tick.manual && (verdict === 'run' || verdict === 'overlap')) this.lastRuns.set(name, tick.due);
    if (verdict !== 'run' && this.config.logJobs) this.logger.debug(`Tick ${tick.id} of schedule "${name}" skipped: ${verdict}.`);
    return verdict;
  }
}

/**
 * The time past which a tick is missed (policy 'skip'): when the next one is due, or with a
 * `threshold` (`@nestjs/schedule`'s), that long after its own due time if sooner.
 */
function latestStart(threshold: number | undefined, due: number, following: number | null): number | null {
  if (threshold === undefined) return following;
  // storage misses a tick once this time has come: a tick exactly `threshold` ms late still runs
  const latest = due + threshold + 1;
  return following === null ? latest : Math.min(following, latest);
}
