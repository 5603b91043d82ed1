import type { DiscoveryService } from '@nestjs/core';
import { InvalidOptionsError } from '../../errors/invalid-options.error.js';
import type { ScheduleRegistry } from '../schedule.registry.js';
import { SCHEDULE_MODULE_TOO } from '../schedule.messages.js';
import { PEER_MODULE_OPTIONS } from './schedule-peer.metadata.js';

/**
 * Fails the bootstrap when `ScheduleModule.forRoot()` is imported beside us and some
 * `@nestjs/schedule` decorator was adopted: its explorer would run the same methods in every
 * process, besides our once-per-cluster ticks. Told by its options provider, so nothing is imported.
 */
export function assertScheduleModuleAbsent(discovery: DiscoveryService, schedules: ScheduleRegistry): void {
  const adopted = schedules.all().filter(({ definition }) => definition.adopted);
  if (adopted.length === 0) return;
  if (!discovery.getProviders().some((wrapper) => wrapper.token === PEER_MODULE_OPTIONS)) return;
  throw new InvalidOptionsError(SCHEDULE_MODULE_TOO(adopted.map(({ definition }) => definition.target).join(', ')));
}
