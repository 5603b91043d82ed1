import type { AdvanceVerdict, ScheduleReading, ScheduleStore, StartVerdict, TickStart } from '../ports/schedule-store.interface.js';

interface MemorySchedule {
  gate?: number;
  ahead?: number;
  runs: number;
  tick?: number;
  tickId?: string;
  last?: number;
  lastId?: string;
  active?: string;
  until?: number;
}

/**
 * Schedules of the memory engine: the Redis scripts' steps (lua/schedule-*.lua), each synchronous;
 * `advanceNow`, `startNow`, `readNow`, `holdNow` and `setPausedNow` are those steps, for a tick that runs inside its
 * timer callback under a test's fake timers (lib/schedule/synchronous-engine.interface.ts).
 */
export class MemoryScheduleStore implements ScheduleStore {
  private readonly defs = new Map<string, string>();
  private readonly paused = new Set<string>();
  private readonly states = new Map<string, MemorySchedule>();

  async define(name: string, definition: string, replace: boolean): Promise<boolean> {
    if (!replace && this.defs.has(name)) return false;
    this.defs.set(name, definition);
    return true;
  }

  async definitions(): Promise<Map<string, string>> {
    return new Map(this.defs);
  }

  async remove(name: string): Promise<{ ahead?: number } | null> {
    const ahead = this.states.get(name)?.ahead;
    this.states.delete(name);
    this.paused.delete(name);
    return this.defs.delete(name) ? { ahead } : null;
  }

  async advance(name: string, due: number, limit: number, idPrefix = ''): Promise<AdvanceVerdict> {
    return this.advanceNow(name, due, limit, idPrefix);
  }

  advanceNow(name: string, due: number, limit: number, idPrefix = ''): AdvanceVerdict {
    if (!this.defs.has(name)) return 'removed';
    const state = this.state(name);
    if (state.gate !== undefined && state.gate >= due) return 'taken';
    state.gate = due;
    if (this.isPaused(name)) return 'paused';
    if (limit > 0 && state.runs >= limit) return 'limit';
    if (idPrefix !== '') {
      if (state.ahead !== undefined) Object.assign(state, { last: state.ahead, lastId: `${idPrefix}${state.ahead}` });
      state.runs++;
    }
    state.ahead = due;
    return 'enqueue';
  }

  async start(name: string, tick: TickStart): Promise<StartVerdict> {
    return this.startNow(name, tick);
  }

  startNow(name: string, tick: TickStart): StartVerdict {
    const now = Date.now();
    const state = this.state(name);
    const verdict = this.verdict(state, name, tick, now);
    // a skipped tick is the last one too, so that a listing shows it was skipped
    Object.assign(state, { last: tick.due, lastId: tick.id });
    if (verdict !== 'run') return verdict;
    const again = state.tickId === tick.id || state.active === tick.id;
    if (!tick.manual && !again) Object.assign(state, { runs: state.runs + 1, tick: tick.due, tickId: tick.id });
    Object.assign(state, { active: tick.id, until: now + tick.holdMs });
    return 'run';
  }

  private verdict(state: MemorySchedule, name: string, tick: TickStart, now: number): StartVerdict {
    const again = state.tickId === tick.id || state.active === tick.id;
    if (!tick.manual && !again) {
      if (this.isPaused(name)) return 'paused';
      if (tick.limit > 0 && state.runs >= tick.limit) return 'limit';
      if (state.tick !== undefined && tick.due < state.tick) return 'missed';
      if (tick.missed === 'skip' && tick.followingDue !== null && tick.followingDue <= now) return 'missed';
    }
    if (!tick.overlap && state.active !== undefined && state.active !== tick.id && state.until! > now) return 'overlap';
    return 'run';
  }

  async hold(name: string, id: string, holdMs: number): Promise<void> {
    this.holdNow(name, id, holdMs);
  }

  holdNow(name: string, id: string, holdMs: number): void {
    const state = this.states.get(name);
    if (state?.active !== id) return;
    if (holdMs === 0) Object.assign(state, { active: undefined, until: undefined });
    else state.until = Date.now() + holdMs;
  }

  async setPaused(name: string | null, paused: boolean): Promise<void> {
    this.setPausedNow(name, paused);
  }

  setPausedNow(name: string | null, paused: boolean): void {
    if (name === null && !paused) this.paused.clear();
    else if (paused) this.paused.add(name ?? '*');
    else this.paused.delete(name!);
  }

  async read(names: string[]): Promise<ScheduleReading[]> {
    return this.readNow(names);
  }

  readNow(names: string[]): ScheduleReading[] {
    return names.map((name) => {
      const { runs = 0, ahead, last, lastId } = this.states.get(name) ?? {};
      return { paused: this.isPaused(name), runs, ahead, last, lastId };
    });
  }

  /** One process: the orchestrator that adds or removes a schedule already knows. */
  async watch(): Promise<void> {}

  async time(): Promise<number> {
    return Date.now();
  }

  private isPaused(name: string): boolean {
    return this.paused.has('*') || this.paused.has(name);
  }

  private state(name: string): MemorySchedule {
    let state = this.states.get(name);
    if (!state) this.states.set(name, (state = { runs: 0 }));
    return state;
  }
}
