import { Logger } from '@nestjs/common';
import type { ScheduleMetadata } from '../decorators/schedule.metadata.js';
import { PEER_NON_STATIC } from '../schedule.messages.js';

/**
 * `@nestjs/schedule`'s decorators on a request-scoped provider are skipped with its own warning,
 * under its own logger context, as there: an application that booted with them still boots (ours,
 * new code, fail the bootstrap instead).
 */
export function skipNonStaticPeer(schedules: ScheduleMetadata[], target: string): void {
  const logger = new Logger('Scheduler');
  for (const { kind } of schedules) logger.warn(PEER_NON_STATIC(kind, target));
}
