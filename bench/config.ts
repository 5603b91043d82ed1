import { SYSTEM_IDS, type BullmqJobOptions, type SystemId } from './systems/system.js';

/** Everything the environment can change; see README.md for the variables. */
export interface BenchConfig {
  quick: boolean;
  rounds: number;
  systems: SystemId[];
  /** Scenario ids to run; empty = all. */
  scenarioFilter: string[];
  /** BullMQ job options: nestjs-background's defaults expressed in BullMQ ('matched'), or BullMQ's own ('bullmq-defaults'). */
  bullmqJobOptions: BullmqJobOptions;
  /** BENCH_DASHBOARD=1: nestjs-background's apps import the dashboard and keep one page's stream open (see README.md). */
  dashboard: boolean;
}

function parseSystems(value: string | undefined): SystemId[] {
  if (!value) return [...SYSTEM_IDS];
  const aliases: Record<string, SystemId> = { ours: 'nestjs-background', 'nestjs-background': 'nestjs-background', bullmq: 'bullmq' };
  return value.split(',').map((name) => {
    const id = aliases[name.trim().toLowerCase()];
    if (!id) throw new Error(`BENCH_ONLY: unknown system "${name}" (use nestjs-background, ours or bullmq)`);
    return id;
  });
}

export function readConfig(env = process.env): BenchConfig {
  const quick = env.BENCH_QUICK === '1' || env.BENCH_QUICK === 'true';
  const rounds = env.BENCH_ROUNDS ? Number(env.BENCH_ROUNDS) : quick ? 1 : 3;
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`BENCH_ROUNDS must be a positive integer, got "${env.BENCH_ROUNDS}"`);
  const bullmqJobOptions = (env.BENCH_BULLMQ_JOB_OPTIONS ?? 'matched') as BullmqJobOptions;
  if (bullmqJobOptions !== 'matched' && bullmqJobOptions !== 'bullmq-defaults') {
    throw new Error(`BENCH_BULLMQ_JOB_OPTIONS must be matched or bullmq-defaults, got "${bullmqJobOptions}"`);
  }
  return {
    quick,
    rounds,
    systems: parseSystems(env.BENCH_ONLY),
    scenarioFilter: (env.BENCH_SCENARIOS ?? '').split(',').map((s) => s.trim()).filter(Boolean),
    bullmqJobOptions,
    dashboard: env.BENCH_DASHBOARD === '1' || env.BENCH_DASHBOARD === 'true',
  };
}

/** A positive integer from the environment variable `name`, or `fallback` when it is not set. */
export function positiveInteger(name: string, fallback: number): number {
  const value = process.env[name] === undefined ? fallback : Number(process.env[name]);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer, got "${process.env[name]}"`);
  return value;
}
