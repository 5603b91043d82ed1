/**
 * Child process entry: runs one round of one scenario for one system and sends its
 * measurements to the orchestrator over IPC. argv[2]: JSON ScenarioRequest.
 */
import { connectProbe } from './redis-info.js';
import type { ChildMessage, ScenarioRequest } from './run-in-child.js';
import type { ScenarioKind } from './scenarios.js';
import { enqueueBulk, enqueueSingle } from './scenarios/enqueue.js';
import { idleWorkerCpu } from './scenarios/idle-cpu.js';
import { killRecovery } from './scenarios/kill-recovery.js';
import { enqueueToStartLatency } from './scenarios/latency.js';
import { memoryPerWaitingJob } from './scenarios/memory.js';
import { processWithWorkerProcesses } from './scenarios/multi-process.js';
import { processBacklog } from './scenarios/processing.js';
import type { ScenarioRunner } from './scenarios/scenario-context.js';
import { loadSystem } from './systems/system.js';

const RUNNERS: Record<ScenarioKind, ScenarioRunner> = {
  'enqueue-single': enqueueSingle,
  'enqueue-bulk': enqueueBulk,
  process: processBacklog,
  'process-two-workers': processWithWorkerProcesses,
  latency: enqueueToStartLatency,
  memory: memoryPerWaitingJob,
  'idle-cpu': idleWorkerCpu,
  'kill-recovery': killRecovery,
};

function reply(message: ChildMessage): Promise<void> {
  return new Promise((resolve) => {
    if (process.send) process.send(message, () => resolve());
    else resolve();
  });
}

async function main(): Promise<void> {
  const request = JSON.parse(process.argv[2]) as ScenarioRequest;
  const { redisPort, namespace, bullmqJobOptions, dashboard } = request;
  const system = await loadSystem(request.system, { redisPort, namespace, bullmqJobOptions, dashboard });
  const probe = connectProbe(request.redisPort);
  try {
    const measurements = await RUNNERS[request.scenario.kind]({ request, params: request.scenario.params, system, probe });
    await reply({ type: 'result', measurements });
  } finally {
    probe.disconnect();
  }
}

main()
  .catch((error: unknown) => reply({ type: 'error', message: error instanceof Error ? (error.stack ?? error.message) : String(error) }))
  // Do not wait for whatever a library left scheduled; the measurement is done.
  .finally(() => process.exit(0));
