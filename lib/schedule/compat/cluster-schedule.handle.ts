import type { Logger } from '@nestjs/common';
import { CronTime } from 'cron';
import type { DeclaredSchedule } from '../schedule.registry.js';
import { CLUSTER_CONTROL_FAILED } from './scheduler-registry.messages.js';

/** The date type `cron`'s `CronJob.nextDate()` returns (luxon's `DateTime`), without depending on luxon ourselves. @publicApi */
export type CronDateTime = Exclude<CronTime['source'], string>;

/** What a handle needs of the schedule runtime: `SchedulerService`'s cluster-wide pause and resume, storage's time, the last tick run here. */
export interface ScheduleControl {
  pause(name: string): Promise<void>;
  resume(name: string): Promise<void>;
  now(): number;
  lastRun(name: string): number | undefined;
  /** Pauses or resumes in one synchronous step if storage can now (the memory engine under a test's fake timers); false if not. */
  pauseNow(name: string, paused: boolean): boolean;
}

/**
 * A decorated `@Cron`, `@Interval` or `@Timeout` as `SchedulerRegistry.getCronJob()` (or
 * `getInterval()`, `getTimeout()`) returns it, shaped like `cron`'s `CronJob`. `stop()` and
 * `start()` pause and resume the schedule for the whole cluster (`SchedulerService.pause/resume`,
 * kept in storage, so across restarts); `running` says what this process last did or read.
 * @publicApi
 */
export class ClusterScheduleHandle {
  private active: boolean;
  private pending: Promise<void> = Promise.resolve();

  /** @internal made by the registry */
  constructor(
    readonly name: string,
    private readonly declared: DeclaredSchedule,
    private readonly control: ScheduleControl,
    private readonly logger: Logger,
  ) {
    this.active = !declared.disabled;
  }

  /** False after `stop()` here, or when the schedule was paused at bootstrap; a disabled schedule never runs. */
  get running(): boolean {
    return this.active;
  }

  /** `cron` 4's name for `running`. */
  get isActive(): boolean {
    return this.active;
  }

  /** Resumes the schedule in every process (a no-op for one declared `disabled`, which has no clock). */
  start(): void {
    this.active = !this.declared.disabled;
    this.send('resume');
  }

  /** Pauses the schedule in every process until `start()` or `SchedulerService.resume(name)`; a run under way finishes. */
  stop(): void {
    this.active = false;
    this.send('pause');
  }

  /** Resolves once every `start()` and `stop()` called so far reached storage. */
  settled(): Promise<void> {
    return this.pending;
  }

  /** When the last tick that ran in this process was due; `SchedulerService.list()` gives the cluster's last run. */
  lastDate(): Date | null {
    const last = this.control.lastRun(this.name);
    return last === undefined ? null : new Date(last);
  }

  /** The next tick by storage's clock (the same in every process); null for a `@Timeout` or once the schedule ended. */
  nextDate(): CronDateTime | null {
    const { timing, definition } = this.declared;
    const next = timing?.next(this.control.now()) ?? null;
    if (next === null) return null;
    // a CronTime of one date holds it as cron's own DateTime (sendAt() would refuse one this host thinks past)
    const at = new CronTime(new Date(next)).source as CronDateTime;
    if (definition.timeZone !== undefined) return at.setZone(definition.timeZone);
    return definition.utcOffset === undefined ? at : at.setZone(offsetZone(definition.utcOffset));
  }

  /** @internal the state read from storage at bootstrap */
  observe(paused: boolean): void {
    this.active = !paused && !this.declared.disabled;
  }

  private send(action: 'pause' | 'resume'): void {
    // as cron's stop() clears its timer at once: a test's synchronous advanceTimersByTime next sees it
    if (this.control.pauseNow(this.name, action === 'pause')) return;
    // one after the other, so that stop() then start() leaves it running
    this.pending = this.pending
      .then(() => this.control[action](this.name))
      .catch((error: Error) => this.logger.error(CLUSTER_CONTROL_FAILED(action, this.name, error?.message ?? String(error))));
  }
}

/** luxon's name of a fixed offset of `minutes` from UTC: `UTC+5:30`. */
function offsetZone(minutes: number): string {
  const size = Math.abs(minutes);
  return `UTC${minutes < 0 ? '-' : '+'}${Math.floor(size / 60)}:${String(size % 60).padStart(2, '0')}`;
}
