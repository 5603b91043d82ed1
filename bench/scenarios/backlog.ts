import type { JobShape, NoopData, QueueSystem } from '../systems/system.js';

/** Jobs `{ i }` (with a filler of `payloadBytes` characters, if any) for i in [from, from + count). */
export function noopBatch(from: number, count: number, payloadBytes = 0): NoopData[] {
  const pad = payloadBytes > 0 ? 'x'.repeat(payloadBytes) : undefined;
  return Array.from({ length: count }, (_, k) => (pad ? { i: from + k, pad } : { i: from + k }));
}

/**
 * Enqueues `jobs` no-op jobs in sequential bulk batches, then closes the producer. Delayed jobs
 * (`shape.delayMs`) are waited for, so that all are due when this resolves.
 */
export async function fillBacklog(system: QueueSystem, jobs: number, shape: JobShape = {}, payloadBytes = 0, batch = 1_000): Promise<void> {
  const producer = await system.createProducer();
  for (let from = 0; from < jobs; from += batch) await producer.enqueueMany(noopBatch(from, Math.min(batch, jobs - from), payloadBytes), shape);
  await producer.close();
  if (shape.delayMs) await new Promise((resolve) => setTimeout(resolve, shape.delayMs! + 50));
}
