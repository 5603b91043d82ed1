import type { NoopData, QueueSystem } from '../systems/system.js';

/** Jobs `{ i }` for i in [from, from + count). */
export function noopBatch(from: number, count: number): NoopData[] {
  return Array.from({ length: count }, (_, k) => ({ i: from + k }));
}

/** Enqueues `jobs` no-op jobs in sequential bulk batches, then closes the producer. */
export async function fillBacklog(system: QueueSystem, jobs: number, batch = 1_000): Promise<void> {
  const producer = await system.createProducer();
  for (let from = 0; from < jobs; from += batch) await producer.enqueueMany(noopBatch(from, Math.min(batch, jobs - from)));
  await producer.close();
}
