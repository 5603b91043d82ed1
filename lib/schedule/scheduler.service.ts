import { Inject, Injectable } from '@nestjs/common';
import { assertKnownKeys } from '../background-options.checks.js';
import { BACKGROUND_CONFIG } from '../background.constants.js';
import type { BackgroundConfig } from '../background.config.js';
import { JOB_NAME_MISSING, SCHEDULE_EXISTS, SCHEDULE_IN_CODE, UNKNOWN_JOB, UNKNOWN_SCHEDULE } from '../background.messages.js';
import { serializePayload } from '../payload/payload.codec.js';
import { STORAGE_ENGINE, type StorageEngine } from '../engine/storage-engine.interface.js';
import { StorageGateway } from '../storage.gateway.js';
import { InvalidOptionsError } from '../errors/invalid-options.error.js';
import { UnknownJobError } from '../errors/unknown-job.error.js';
import type { EnqueueResult } from '../interfaces/enqueue-options.interface.js';
import { JobsService } from '../jobs.service.js';
import { jobName, type JobDefinition } from '../job.definition.js';
import { JobHandlerRegistry } from '../registry/job-handler.registry.js';
import { tickId } from './schedule.constants.js';
import type { ScheduleDefinition } from './schedule-definition.interface.js';
import type { ScheduleInfo, ScheduleTick, ScheduleTiming } from './schedule-options.interface.js';
import { ScheduleOrchestrator } from './schedule.orchestrator.js';
import { assertScheduleName, positive, timingOf } from './schedule.registry.js';

/**
 * The cluster's recurring schedules, from any process: list them with their next and last run,
 * pause and resume them (kept in storage, so across restarts), run one now, add one at runtime
 * for an existing job, remove one added so.
 * @publicApi
 */
@Injectable()
export class SchedulerService {
  constructor(
    @Inject(BACKGROUND_CONFIG) private readonly config: BackgroundConfig,
    @Inject(STORAGE_ENGINE) private readonly engine: StorageEngine,
    private readonly storage: StorageGateway,
    private readonly jobs: JobsService,
    private readonly handlers: JobHandlerRegistry,
    private readonly orchestrator: ScheduleOrchestrator,
  ) {}

  /** Every schedule of the cluster (declared by any process that started, or added at runtime), by name. */
  async list(): Promise<ScheduleInfo[]> {
    const definitions = await this.definitions();
    const names = [...definitions.keys()].sort();
    const readings = await this.storage.call(this.engine.schedules.read(names));
    const now = this.orchestrator.now();
    return Promise.all(
      names.map(async (name, index) => {
        const definition = definitions.get(name)!;
        const reading = readings[index]!;
        const last = reading.lastId ? await this.jobs.getJob(reading.lastId) : null;
        const ended = definition.limit > 0 && reading.runs >= definition.limit;
        const disabled = definition.disabled === true;
        const next = reading.paused || ended || disabled || definition.timeout !== undefined ? null : nextRun(definition, reading.ahead, now);
        const skipped = last?.state === 'completed' && isSkip(last.result);
        return {
          name,
          job: definition.job,
          queue: definition.queue,
          scope: definition.scope,
          every: definition.every,
          cron: definition.cron,
          timeZone: definition.timeZone,
          source: definition.source,
          paused: reading.paused,
          disabled,
          nextRunAt: next === null ? null : new Date(next),
          lastRunAt: reading.last === undefined ? null : new Date(reading.last),
          lastOutcome: skipped ? 'skipped' : (last?.state ?? null),
          lastJobId: reading.lastId ?? null,
          lastError: last?.errors.at(-1)?.message ?? null,
          runs: reading.runs,
        };
      }),
    );
  }

  /** Stops the schedule (or, without a name, every schedule) in every process until `resume`; survives restarts. */
  async pause(name?: string): Promise<void> {
    const definitions = await this.definitions();
    if (name !== undefined) this.find(definitions, 'pause', name);
    await this.storage.call(this.engine.schedules.setPaused(name ?? null, true));
    // a tick stored ahead of a schedule added at runtime is the user's job, which does not ask: take it back
    const paused = name === undefined ? [...definitions.values()] : [definitions.get(name)!];
    const readings = await this.storage.call(this.engine.schedules.read(paused.map((definition) => definition.name)));
    await Promise.all(
      paused.map(async (definition, index) => {
        const ahead = readings[index]!.ahead;
        if (definition.source === 'runtime' && ahead !== undefined && ahead > this.orchestrator.now()) {
          await this.jobs.cancel(tickId(definition.name, ahead));
        }
      }),
    );
  }

  /** Restarts the schedule (or, without a name, every one, also those paused one by one) from its next tick. */
  async resume(name?: string): Promise<void> {
    if (name !== undefined) this.find(await this.definitions(), 'resume', name);
    await this.storage.call(this.engine.schedules.setPaused(name ?? null, false));
  }

  /** Runs the schedule once now, paused or not, besides its ticks; resolves with the job's id (for `waitFor`). */
  async trigger(name: string): Promise<EnqueueResult> {
    const definition = this.find(await this.definitions(), 'trigger', name);
    const data: unknown =
      definition.source === 'runtime' ? definition.data : ({ schedule: name, due: this.orchestrator.now(), manual: true } satisfies ScheduleTick);
    return this.jobs.enqueue(definition.job, data, { queue: definition.queue });
  }

  /**
   * Adds a schedule that enqueues `job` (an existing job name or definition) with `data` on each
   * tick, once for the cluster: `{ every: ms }` (periods counted from the epoch) or
   * `{ cron, timeZone? }`. It is named after the job unless `options.name` says otherwise, and
   * lives in storage until `remove(name)`; every process that runs workers picks it up.
   */
  async add<TData>(
    job: string | JobDefinition<TData, any>,
    timing: ScheduleTiming,
    data?: TData,
    options: { name?: string } = {},
  ): Promise<void> {
    const jobNameOf = jobName(job);
    if (typeof jobNameOf !== 'string' || jobNameOf === '') throw new InvalidOptionsError(JOB_NAME_MISSING('scheduler.add()'));
    const name = options.name ?? jobNameOf;
    const where = `scheduler.add('${String(name)}')`;
    assertScheduleName(where, name);
    if (timing === null || typeof timing !== 'object') throw new InvalidOptionsError(`${where} expects { every: ms } or { cron, timeZone? }.`);
    assertKnownKeys(`${where} timing`, timing, 'every' in timing ? ['every'] : ['cron', 'timeZone']);
    const queue = this.handlers.get(jobNameOf)?.queue ?? (await this.storage.call(this.engine.findHandlerQueue(jobNameOf)));
    if (!queue) throw new UnknownJobError(UNKNOWN_JOB(jobNameOf));
    const definition: ScheduleDefinition = {
      name,
      job: jobNameOf,
      queue,
      scope: 'cluster',
      source: 'runtime',
      ...('every' in timing ? { every: positive(where, timing.every) } : { cron: timing.cron, timeZone: timing.timeZone }),
      runOnStart: false,
      overlap: true,
      missed: 'skip',
      limit: 0,
      data: data === undefined ? null : data,
    };
    timingOf(where, definition);
    // refused now, like any payload, rather than at each tick
    serializePayload(jobNameOf, definition.data, this.config.maxPayloadBytes);
    if (!(await this.storage.call(this.engine.schedules.define(name, JSON.stringify(definition), false)))) {
      throw new InvalidOptionsError(SCHEDULE_EXISTS(name));
    }
    this.orchestrator.runAdded(definition);
  }

  /** Removes a schedule added at runtime, and its tick stored ahead, in every process. */
  async remove(name: string): Promise<void> {
    const definition = this.find(await this.definitions(), 'remove', name);
    if (definition.source !== 'runtime') throw new InvalidOptionsError(SCHEDULE_IN_CODE(name, definition.target ?? 'a decorator'));
    const removed = await this.storage.call(this.engine.schedules.remove(name));
    this.orchestrator.halt(name);
    if (removed?.ahead !== undefined) await this.jobs.cancel(tickId(name, removed.ahead));
  }

  private async definitions(): Promise<Map<string, ScheduleDefinition>> {
    const stored = await this.storage.call(this.engine.schedules.definitions());
    return new Map([...stored].map(([name, json]) => [name, JSON.parse(json) as ScheduleDefinition]));
  }

  private find(definitions: Map<string, ScheduleDefinition>, method: string, name: string): ScheduleDefinition {
    const definition = definitions.get(name);
    if (!definition) throw new InvalidOptionsError(UNKNOWN_SCHEDULE(`${method}()`, String(name), [...definitions.keys()]));
    return definition;
  }
}

function nextRun(definition: ScheduleDefinition, ahead: number | undefined, now: number): number | null {
  if (ahead !== undefined && ahead > now) return ahead;
  return timingOf(`schedule "${definition.name}"`, definition).next(now);
}

function isSkip(result: unknown): boolean {
  return result !== null && typeof result === 'object' && 'skipped' in result;
}
