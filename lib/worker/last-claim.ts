import type { Logger } from '@nestjs/common';
import { SHUTDOWN_HAND_BACK_FAILED } from '../background.messages.js';
import type { ClaimRequest, StorageEngine } from '../engine/storage-engine.interface.js';
import { within } from './within.js';

/**
 * A leaving worker's last round trip: settles what finished, hands back what did not, and tells
 * storage it leaves (see `ClaimRequest.leaving`). Waits at most `waitMs`, so shutdown stays
 * bounded when storage hangs; what it could not hand back runs again once the lease expires.
 */
export async function lastClaim(
  engine: StorageEngine,
  logger: Logger,
  { request, waitMs, timeoutMs }: { request: Omit<ClaimRequest, 'max' | 'reserve' | 'held' | 'inFlight' | 'leaving'>; waitMs: number; timeoutMs: number },
): Promise<void> {
  const last = engine.claim({ ...request, max: 0, reserve: 0, held: 0, inFlight: 0, leaving: true });
  const unfinished = request.release?.length ?? 0;
  const finished = request.settlements.length;
  try {
    const answered = await within(last.then(() => true), waitMs);
    if (!answered) throw new Error(`no answer within ${timeoutMs} ms`);
  } catch (failure) {
    last.catch(() => undefined);
    const message = SHUTDOWN_HAND_BACK_FAILED(request.queue, unfinished, finished, (failure as Error).message);
    if (unfinished + finished > 0) logger.error(message);
    else logger.debug(message);
  }
}
