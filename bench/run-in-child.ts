import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ScenarioSpec } from './scenarios.js';
import type { BullmqJobOptions, SystemId } from './systems/system.js';

/** What the orchestrator asks one child process to do: one round of one scenario for one system. */
export interface ScenarioRequest {
  scenario: ScenarioSpec;
  system: SystemId;
  redisPort: number;
  /** BullMQ queue name / nestjs-background prefix, fresh for every run. */
  namespace: string;
  bullmqJobOptions: BullmqJobOptions;
  /** BENCH_DASHBOARD=1; see SystemTarget.dashboard. */
  dashboard: boolean;
}

/** Metric key -> value; keys named in the scenario's MetricSpecs plus extra diagnostics. */
export type Measurements = Record<string, number>;

export type ChildMessage = { type: 'result'; measurements: Measurements } | { type: 'error'; message: string };

const SCENARIO_PROCESS = fileURLToPath(new URL('./scenario-process.js', import.meta.url));

/** Runs the request in a fresh Node process and resolves with its measurements. */
export function runInChild(request: ScenarioRequest): Promise<Measurements> {
  return new Promise((resolve, reject) => {
    const child = fork(SCENARIO_PROCESS, [JSON.stringify(request)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let outcome: ChildMessage | undefined;
    const timer = setTimeout(() => {
      outcome = { type: 'error', message: `timed out after ${request.scenario.timeoutMs / 1000} s` };
      child.kill('SIGKILL');
    }, request.scenario.timeoutMs);

    child.on('message', (message: ChildMessage) => {
      outcome ??= message;
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (outcome?.type === 'result') resolve(outcome.measurements);
      else reject(new Error(outcome?.message ?? `child exited with ${signal ?? `code ${code}`} and no result`));
    });
  });
}
