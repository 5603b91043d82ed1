import type { Redis } from 'ioredis';
import type { Measurements, ScenarioRequest } from '../run-in-child.js';
import type { QueueSystem } from '../systems/system.js';

/** What a scenario implementation gets inside its child process. */
export interface ScenarioContext {
  request: ScenarioRequest;
  params: Record<string, number>;
  system: QueueSystem;
  /** Observer connection to the benchmark Redis (INFO), separate from the system under test. */
  probe: Redis;
}

export type ScenarioRunner = (context: ScenarioContext) => Promise<Measurements>;
