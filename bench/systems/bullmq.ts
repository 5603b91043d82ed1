import { Queue, Worker } from 'bullmq';
import type { NoopData, QueueSystem, SystemTarget } from './system.js';

/**
 * nestjs-background's defaults, expressed as BullMQ job options so both sides store and trim
 * the same things: 3 attempts with exponential backoff, keep the last 1000 completed jobs (24 h).
 * BullMQ stores these options in every job hash, which costs Redis memory (see README.md).
 */
const SAME_DEFAULTS_AS_NESTJS_BACKGROUND = {
  attempts: 3,
  backoff: { type: 'exponential', delay: 1000 },
  removeOnComplete: { count: 1000, age: 24 * 3600 },
};

export function createBullmqSystem({ redisPort, namespace, bullmqJobOptions }: SystemTarget): QueueSystem {
  const connection = { host: '127.0.0.1', port: redisPort };
  const defaultJobOptions = bullmqJobOptions === 'matched' ? SAME_DEFAULTS_AS_NESTJS_BACKGROUND : undefined;
  return {
    async createProducer() {
      const queue = new Queue<NoopData>(namespace, { connection, defaultJobOptions });
      await queue.waitUntilReady();
      return {
        async enqueue(data) {
          await queue.add('noop', data);
        },
        async enqueueMany(items) {
          await queue.addBulk(items.map((data) => ({ name: 'noop', data })));
        },
        countWaiting: () => queue.getWaitingCount(),
        close: () => queue.close(),
      };
    },
    async startWorker(concurrency, onJob, { jobMs = 0, leaseMs } = {}) {
      const lease = leaseMs === undefined ? {} : { lockDuration: leaseMs, stalledInterval: leaseMs };
      const worker = new Worker<NoopData>(
        namespace,
        async (job) => {
          onJob(job.data);
          if (jobMs > 0) await new Promise((resolve) => setTimeout(resolve, jobMs));
        },
        { connection, concurrency, ...lease },
      );
      worker.on('error', (error) => console.error('[bullmq worker]', error));
      await worker.waitUntilReady();
      return { close: () => worker.close() };
    },
    async createMonitor() {
      const queue = new Queue<NoopData>(namespace, { connection });
      await queue.waitUntilReady();
      return {
        async counts() {
          const c = await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'waiting-children', 'completed', 'failed');
          const unsettled = c.waiting + c.active + c.delayed + c.prioritized + c['waiting-children'];
          return { unsettled, completed: c.completed, failed: c.failed };
        },
        close: () => queue.close(),
      };
    },
  };
}
