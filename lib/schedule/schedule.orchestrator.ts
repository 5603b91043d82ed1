import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { BACKGROUND_CONFIG, ROUTE_REFRESH_MS } from '../background.constants.js';
import type { BackgroundConfig } from '../background.config.js';
import { SCHEDULE_TICK_LOST } from '../background.messages.js';
import { STORAGE_ENGINE, type StorageEngine } from '../engine/storage-engine.interface.js';
import type { ScheduleReading } from '../engine/ports/schedule-store.interface.js';
import { JobsService } from '../jobs.service.js';
import { within } from '../worker/within.js';
import { RepeatingTimer } from '../worker/repeating-timer.js';
import { MAX_TICK_LEAD_MS, tickId, tickIdPrefix } from './schedule.constants.js';
import { ScheduleClock, type SynchronousTick } from './schedule.clock.js';
import { synchronousNow } from './synchronous-engine.interface.js';
import { BackgroundOrchestrator } from '../background.orchestrator.js';
import { ScheduleTime } from './schedule.time.js';
import type { ScheduleDefinition } from './schedule-definition.interface.js';
import { ScheduleRegistry, timingOf, type DeclaredSchedule } from './schedule.registry.js';
import type { ScheduleTiming } from './schedule.timing.js';

/**
 * Owns this process's schedule clocks. At bootstrap it records the schedules declared here for the
 * whole cluster, then (in a process that runs workers) keeps one clock per schedule: a cluster
 * schedule's clock stores each tick ahead as a delayed job, once for the cluster; an instance
 * schedule's clock calls its method here. Schedules added or removed at runtime in any process
 * are picked up at once (a message), or within `ROUTE_REFRESH_MS` should the message be lost.
 * Due times are by storage's clock, read again at each refresh.
 */
@Injectable()
export class ScheduleOrchestrator implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Background');
  private readonly clocks = new Map<string, ScheduleClock>();
  private readonly timeouts = new Set<NodeJS.Timeout>();
  private readonly runs = new Set<Promise<unknown>>();
  private refreshTimer: RepeatingTimer | null = null;
  private started = false;
  private readonly time: ScheduleTime;

  constructor(
    @Inject(BACKGROUND_CONFIG) private readonly config: BackgroundConfig,
    @Inject(STORAGE_ENGINE) private readonly engine: StorageEngine,
    private readonly registry: ScheduleRegistry,
    private readonly jobs: JobsService,
    private readonly workers: BackgroundOrchestrator,
  ) {
    this.time = new ScheduleTime(engine.schedules);
  }

  /** Storage's time now (epoch ms), as this process last read it. */
  now(): number {
    return this.time.now();
  }

  async onApplicationBootstrap(): Promise<void> {
    const declared = this.registry.all();
    if (declared.length > 0) {
      await this.engine.connect();
      // replaced at each start: the code of the latest deploy describes the schedule
      await Promise.all(declared.map(({ definition }) => this.engine.schedules.define(definition.name, JSON.stringify(definition), true)));
    }
    if (declared.length > 0 || this.config.workers) await this.syncTime();
    if (!this.config.workers) return;
    this.started = true;
    for (const schedule of declared) if (!schedule.disabled) this.runDeclared(schedule);
    // a schedule added or removed in another process reaches this one at once; the timer is the fallback
    await this.engine.schedules.watch(() => void this.refresh()).catch((error: Error) => {
      this.logger.debug(`Could not listen for schedules added elsewhere: ${error.message}`);
    });
    await this.refresh();
    this.refreshTimer = new RepeatingTimer(ROUTE_REFRESH_MS, () => this.syncTime().then(() => this.refresh()), true).start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.started = false;
    this.refreshTimer?.stop();
    for (const clock of this.clocks.values()) clock.stop();
    this.clocks.clear();
    for (const timer of this.timeouts) clearTimeout(timer);
    this.timeouts.clear();
    // in real time, as the workers' wait (lib/worker/within.ts): app.close() ends under fake timers too
    await within(Promise.allSettled(this.runs), this.config.shutdownTimeoutMs);
  }

  /** Starts the clock of a schedule added at runtime (in this process, if it runs workers). */
  runAdded(definition: ScheduleDefinition): void {
    if (this.started && !this.clocks.has(definition.name)) this.runCluster(definition, timingOf(`schedule "${definition.name}"`, definition));
  }

  /** Stops the clock of a removed schedule here; elsewhere it stops at its next tick. */
  halt(name: string): void {
    this.clocks.get(name)?.stop();
    this.clocks.delete(name);
  }

  private async syncTime(): Promise<void> {
    if (!(await this.time.sync())) this.logger.debug(`Could not read storage's clock; schedules go on by the last reading.`);
  }

  /** Schedules added at runtime by other processes, and removed ones. */
  private async refresh(): Promise<void> {
    try {
      const definitions = await this.engine.schedules.definitions();
      for (const [name, json] of definitions) {
        const definition = JSON.parse(json) as ScheduleDefinition;
        if (definition.source === 'runtime') this.runAdded(definition);
      }
      const declared = new Map(this.registry.all().map(({ definition }) => [definition.name, definition]));
      for (const name of this.clocks.keys()) {
        if (definitions.has(name)) continue;
        const inCode = declared.get(name);
        // storage lost it (a flush, a failover to an empty replica): the code still declares it
        if (inCode) await this.engine.schedules.define(name, JSON.stringify(inCode), true);
        else this.halt(name);
      }
    } catch (error) {
      this.logger.debug(`Could not read the cluster's schedules: ${(error as Error).message}`);
    }
  }

  private runDeclared({ definition, timing, call }: DeclaredSchedule): void {
    if (definition.scope === 'cluster') return this.runCluster(definition, timing!);
    if (definition.timeout !== undefined) {
      const timer = setTimeout(() => {
        this.timeouts.delete(timer);
        this.callHere(definition, call!, this.time.now());
      }, definition.timeout);
      this.timeouts.add(timer);
      return;
    }
    let runs = 0;
    let running = false;
    // a tick late past its threshold, or due while the previous run goes on (overlap: false), is not run
    const wanted = (due: number) => !(definition.threshold !== undefined && this.time.now() - due > definition.threshold) && (definition.overlap || !running);
    const run = (due: number, { paused }: ScheduleReading) => {
      if (paused) return;
      running = true;
      runs++;
      this.callHere(definition, call!, due).finally(() => (running = false));
    };
    const goOn = () => definition.limit === 0 || runs < definition.limit;
    const clock = new ScheduleClock(
      timing!,
      0,
      () => this.time.now(),
      async (due) => {
        if (wanted(due)) run(due, (await this.engine.schedules.read([definition.name]))[0]!);
        return goOn();
      },
      (error) => this.logger.debug(`Schedule "${definition.name}" could not read its state: ${error.message}`),
      definition.unref,
      {
        active: () => synchronousNow(this.engine) !== null,
        tick: (due) => {
          if (wanted(due)) run(due, synchronousNow(this.engine)!.schedules.readNow([definition.name])[0]!);
          return goOn();
        },
      },
    );
    this.clocks.set(definition.name, clock);
    const now = this.time.now();
    if (definition.runOnStart) this.callHere(definition, call!, now);
    clock.start(timing!.next(now + (definition.initialDelay ?? 0)), false);
  }

  /** Each tick is stored once for the cluster, ahead of its due time, as a delayed job with a deterministic id. */
  private runCluster(definition: ScheduleDefinition, timing: ScheduleTiming): void {
    const { name, job, queue, limit } = definition;
    const runtime = definition.source === 'runtime';
    const store = async (due: number) => {
      const advance = () => this.engine.schedules.advance(name, due, limit, runtime ? tickIdPrefix(name) : '');
      let verdict = await advance();
      if (verdict === 'removed' && !runtime) {
        // storage lost the definition (a flush, a failover to an empty replica): the code still declares it
        await this.engine.schedules.define(name, JSON.stringify(definition), true);
        verdict = await advance();
      }
      if (verdict === 'enqueue') {
        const data = runtime ? definition.data : { schedule: name, due };
        await this.jobs.enqueueTick(job, data, { jobId: tickId(name, due), delayMs: Math.max(0, due - this.time.now()), queue });
      }
      return verdict !== 'removed' && verdict !== 'limit';
    };
    const clock = new ScheduleClock(
      timing,
      MAX_TICK_LEAD_MS,
      () => this.time.now(),
      store,
      (error, due) => this.logger.warn(SCHEDULE_TICK_LOST(name, due, error.message)),
      definition.unref,
      this.synchronousTick(definition),
    );
    this.clocks.set(name, clock);
    const now = this.time.now();
    // a tick now, claimed before the next one is: a process that starts later in the period finds it claimed
    const first = definition.runOnStart ? store(now).catch((error: Error) => this.logger.warn(SCHEDULE_TICK_LOST(name, now, error.message))) : undefined;
    // initialDelay: this process stores no tick due before it is over (others may, in a cluster)
    const from = now + (definition.initialDelay ?? 0);
    void Promise.resolve(first).then(() => clock.start(timing.next(from), true));
  }

  /**
   * A cluster schedule's tick under a test's fake timers, on an engine that can (the memory engine):
   * stored and started in this process's worker in the timer's turn, so the method runs in it, as
   * `@nestjs/schedule`'s do. Still a job: a worker with no room for it, or a breaker on it, leaves it
   * waiting, to be claimed as any other.
   */
  private synchronousTick(definition: ScheduleDefinition): SynchronousTick {
    const { name, job, queue, limit } = definition;
    const runtime = definition.source === 'runtime';
    return {
      active: () => this.config.workers && synchronousNow(this.engine) !== null,
      tick: (due) => {
        const engine = synchronousNow(this.engine)!;
        const verdict = engine.schedules.advanceNow(name, due, limit, runtime ? tickIdPrefix(name) : '');
        if (verdict !== 'enqueue') return verdict !== 'removed' && verdict !== 'limit';
        const data = runtime ? definition.data : { schedule: name, due };
        const prepared = this.jobs.prepareTick(job, data, { jobId: tickId(name, due), queue });
        // a handler known only from other processes is looked up first: the tick is stored the usual way
        if (prepared instanceof Promise) {
          void prepared.then((tick) => engine.enqueue([tick])).catch((error: Error) => this.logger.warn(SCHEDULE_TICK_LOST(name, due, error.message)));
          return true;
        }
        const [stored] = engine.enqueueNow([prepared]);
        if (stored!.created) this.workers.runNow(prepared.queue, prepared.name, (workerId) => engine.claimNow(prepared.queue, workerId, prepared.id));
        return true;
      },
    };
  }

  /** Calls an instance schedule's method here, logging what it throws. */
  private callHere(definition: ScheduleDefinition, call: DeclaredSchedule['call'] & {}, due: number): Promise<unknown> {
    const invoke = () => call({ schedule: definition.name, due });
    // under a test's fake timers, in the timer's turn, as @nestjs/schedule calls it
    const started = synchronousNow(this.engine) ? new Promise((resolve) => resolve(invoke())) : Promise.resolve().then(invoke);
    const run = started
      .catch((error: Error) => this.logger.error(`Schedule "${definition.name}" (${definition.target}) failed: ${error?.message ?? error}`));
    this.runs.add(run);
    void run.finally(() => this.runs.delete(run));
    return run;
  }
}
