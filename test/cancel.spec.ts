import { WorkerProcess, workerProcessSuite } from './support/worker-process.js';

describe('cancelling a job that runs in another process', () => {
  const suite = workerProcessSuite();

  it("aborts the handler's signal at once, not at the lease renewal 40 s later", async () => {
    // leases of 2 min are renewed every 40 s, and a worker with every slot taken makes no other round trip
    const worker = await WorkerProcess.spawn({ REDIS_URL: suite.server.url, PREFIX: 'cancel', CONCURRENCY: '5', LEASE_MS: '120000' });
    // the canceller only produces: it runs no worker, and listens to nothing
    const producer = await suite.producer({ connection: suite.server.url, prefix: 'cancel', workers: false });
    const ids = (
      await producer.jobs.enqueueMany(Array.from({ length: 5 }, (_, i) => ({ name: 'count', data: { untilCancelled: true, i } })))
    ).map((result) => result.id);
    await worker.untilStarted(5);

    const latencies: number[] = [];
    for (const id of ids) {
      const aborted = worker.aborted(id);
      const cancelledAt = Date.now();
      await expect(producer.jobs.cancel(id)).resolves.toBe(true);
      const { at, reason } = await aborted;
      expect(reason).toBe(`Job "${id}" was cancelled.`);
      latencies.push(at - cancelledAt);
    }
    // each one, with room for a busy machine (a few ms on a quiet one: npm run bench:timing); the old way waited for the renewal
    expect(latencies.filter((ms) => ms >= 10_000)).toEqual([]);

    // the handlers carried on and returned; what they returned is discarded
    expect(await worker.stop()).toBe(5);
    for (const id of ids) {
      const job = await producer.jobs.getJob(id);
      expect({ id, state: job?.state, result: job?.result, errors: job?.errors }).toEqual({ id, state: 'cancelled', result: undefined, errors: [] });
    }
    expect((await producer.jobs.getStats()).queues.default).toMatchObject({ active: 0, completed: 0, cancelled: 5 });
  });
});
