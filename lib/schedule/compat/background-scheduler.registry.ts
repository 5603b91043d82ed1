import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import type { CronJob } from 'cron';
import { STORAGE_ENGINE, type StorageEngine } from '../../engine/storage-engine.interface.js';
import { InvalidOptionsError } from '../../errors/invalid-options.error.js';
import { SchedulerNotFoundError } from '../../errors/scheduler-not-found.error.js';
import { printable } from '../../logging/printable.js';
import { ScheduleOrchestrator } from '../schedule.orchestrator.js';
import { ScheduleRegistry } from '../schedule.registry.js';
import { ScheduleTickRunner } from '../schedule-tick.runner.js';
import { SchedulerService } from '../scheduler.service.js';
import { ClusterScheduleHandle, type ScheduleControl } from './cluster-schedule.handle.js';
import { synchronousNow } from '../synchronous-engine.interface.js';
import { ADDED_JOB_FAILED, DUPLICATE_ADDED, NO_SCHEDULER_FOUND, type SchedulerKind } from './scheduler-registry.messages.js';

/** A Node timer handed to `addInterval`/`addTimeout`, as the peer types it. */
type TimerRef = number | NodeJS.Timeout;

/**
 * `@nestjs/schedule`'s `SchedulerRegistry`, over this module's schedules: injectable under that
 * package's class when it is installed, and as `BackgroundSchedulerRegistry` always. Decorated
 * schedules come back as `ClusterScheduleHandle`s whose `stop()`/`start()` pause and resume them
 * for the whole cluster. What is added at run time (`addCronJob(name, new CronJob(...))`,
 * `addInterval`, `addTimeout`) holds a callback, which storage cannot hold: it runs in this
 * process only, on its own timer, as with `@nestjs/schedule`, and is stopped at shutdown.
 * @publicApi
 */
@Injectable()
export class BackgroundSchedulerRegistry implements OnApplicationBootstrap, BeforeApplicationShutdown {
  // named as in @nestjs/schedule, whose users replace it in tests
  private readonly logger = new Logger('Scheduler');
  private readonly cronJobs = new Map<string, CronJob<any, any> | ClusterScheduleHandle>();
  private readonly intervals = new Map<string, TimerRef | ClusterScheduleHandle>();
  private readonly timeouts = new Map<string, TimerRef | ClusterScheduleHandle>();
  /** Decorated schedules taken in already: one deleted here stays out. */
  private readonly taken = new Set<string>();
  private readonly control: ScheduleControl;
  private closed = false;

  constructor(
    private readonly schedules: ScheduleRegistry,
    scheduler: SchedulerService,
    orchestrator: ScheduleOrchestrator,
    ticks: ScheduleTickRunner,
    @Inject(STORAGE_ENGINE) private readonly engine: StorageEngine,
  ) {
    this.control = {
      pause: (name) => scheduler.pause(name),
      resume: (name) => scheduler.resume(name),
      now: () => orchestrator.now(),
      lastRun: (name) => ticks.lastRun(name),
      pauseNow: (name, paused) => {
        const synchronous = synchronousNow(engine);
        synchronous?.schedules.setPausedNow(name, paused);
        return synchronous !== null;
      },
    };
  }

  async onApplicationBootstrap(): Promise<void> {
    const handles = this.declared();
    if (handles.length === 0) return;
    // a schedule paused earlier (by any process, before a restart) is not running
    try {
      await this.engine.connect();
      const readings = await this.engine.schedules.read(handles.map((handle) => handle.name));
      handles.forEach((handle, index) => handle.observe(readings[index]!.paused));
    } catch (error) {
      this.logger.debug(`Could not read whether the schedules are paused: ${(error as Error).message}`);
    }
  }

  beforeApplicationShutdown(): void {
    this.closed = true;
    for (const job of this.cronJobs.values()) if (!(job instanceof ClusterScheduleHandle)) void job.stop();
    for (const ref of this.intervals.values()) if (!(ref instanceof ClusterScheduleHandle)) clearInterval(ref);
    for (const ref of this.timeouts.values()) if (!(ref instanceof ClusterScheduleHandle)) clearTimeout(ref);
    this.cronJobs.clear();
    this.intervals.clear();
    this.timeouts.clear();
  }

  doesExist(type: 'cron' | 'interval' | 'timeout', name: string): boolean {
    this.declared();
    if (type === 'cron') return this.cronJobs.has(name);
    if (type === 'interval') return this.intervals.has(name);
    if (type === 'timeout') return this.timeouts.has(name);
    return false;
  }

  /** A decorated `@Cron` as a cluster-wide handle, or the `CronJob` added under that name. */
  getCronJob(name: string): CronJob<any, any> | ClusterScheduleHandle {
    return this.find(this.cronJobs, 'Cron Job', name);
  }

  /** A decorated `@Interval` as a cluster-wide handle (`clearInterval` cannot stop it: `deleteInterval(name)` or `stop()` does), or the timer added under that name. */
  getInterval(name: string): any {
    return this.find(this.intervals, 'Interval', name);
  }

  /** A decorated `@Timeout` as a handle, or the timer added under that name. */
  getTimeout(name: string): any {
    return this.find(this.timeouts, 'Timeout', name);
  }

  /** Runs in this process only (a callback cannot be stored for the cluster); started by `job.start()`, stopped at shutdown. */
  addCronJob(name: string, job: CronJob<any, any>): void {
    this.assertFree(this.cronJobs, 'Cron Job', name);
    // cron catches what the callback throws and, with no handler of the user's, prints it to the
    // console: it goes to this application's logger instead, and never ends the process
    job.errorHandler ??= (error: unknown) =>
      this.logger.error(ADDED_JOB_FAILED(printable(name), printable((error as Error)?.message ?? String(error))));
    this.cronJobs.set(name, job);
  }

  /** Keeps a timer of this process by name, to find or clear later; cleared at shutdown. */
  addInterval(name: string, intervalId: TimerRef): void {
    this.assertFree(this.intervals, 'Interval', name);
    this.intervals.set(name, intervalId);
  }

  /** Keeps a timer of this process by name, to find or clear later; cleared at shutdown. */
  addTimeout(name: string, timeoutId: TimerRef): void {
    this.assertFree(this.timeouts, 'Timeout', name);
    this.timeouts.set(name, timeoutId);
  }

  getCronJobs(): Map<string, CronJob<any, any> | ClusterScheduleHandle> {
    this.declared();
    return this.cronJobs;
  }

  getIntervals(): string[] {
    this.declared();
    return [...this.intervals.keys()];
  }

  getTimeouts(): string[] {
    this.declared();
    return [...this.timeouts.keys()];
  }

  /** Stops and forgets a job added here; a decorated schedule is paused for the whole cluster (as `stop()`) and forgotten here. */
  deleteCronJob(name: string): void {
    void this.getCronJob(name).stop();
    this.cronJobs.delete(name);
  }

  deleteInterval(name: string): void {
    const ref = this.getInterval(name);
    if (ref instanceof ClusterScheduleHandle) ref.stop();
    else clearInterval(ref);
    this.intervals.delete(name);
  }

  deleteTimeout(name: string): void {
    const ref = this.getTimeout(name);
    if (ref instanceof ClusterScheduleHandle) ref.stop();
    else clearTimeout(ref);
    this.timeouts.delete(name);
  }

  /** Takes in the decorated schedules declared since the last call (the explorer declares them at module init); returns every handle. */
  private declared(): ClusterScheduleHandle[] {
    if (!this.closed) {
      for (const schedule of this.schedules.all()) {
        const { name, cron, at, every, timeout, source } = schedule.definition;
        if (source !== 'decorator' || this.taken.has(name)) continue;
        this.taken.add(name);
        const handle = new ClusterScheduleHandle(name, schedule, this.control, this.logger);
        if (cron !== undefined || at !== undefined) this.cronJobs.set(name, handle);
        else if (every !== undefined) this.intervals.set(name, handle);
        else if (timeout !== undefined) this.timeouts.set(name, handle);
      }
    }
    return [...this.cronJobs.values(), ...this.intervals.values(), ...this.timeouts.values()].filter(
      (ref): ref is ClusterScheduleHandle => ref instanceof ClusterScheduleHandle,
    );
  }

  private find<T>(map: Map<string, T>, kind: SchedulerKind, name: string): T {
    this.declared();
    const ref = map.get(name);
    if (ref === undefined) throw new SchedulerNotFoundError(NO_SCHEDULER_FOUND(kind, name));
    return ref;
  }

  private assertFree(map: Map<string, unknown>, kind: SchedulerKind, name: string): void {
    this.declared();
    if (map.has(name)) throw new InvalidOptionsError(DUPLICATE_ADDED(kind, name));
  }
}
