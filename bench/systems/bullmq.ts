import { MetricsTime, Queue, Worker, type JobsOptions } from 'bullmq';
import type { JobShape, NoopData, QueueSystem, SystemTarget } from './system.js';

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

/** Low, normal and high for job i mod 3 (see JobShape); in BullMQ 1 is the highest. */
const THREE_PRIORITIES = [3, 2, 1];

function jobOptions(i: number, shape: JobShape): JobsOptions | undefined {
  const options: JobsOptions = {};
  if (shape.threePriorities) options.priority = THREE_PRIORITIES[i % 3];
  if (shape.delayMs !== undefined) options.delay = shape.delayMs;
  if (shape.retryAtOnce) Object.assign(options, { attempts: 3, backoff: { type: 'fixed', delay: 0 } });
  return Object.keys(options).length ? options : undefined;
}

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
        async enqueueMany(items, shape = {}) {
          await queue.addBulk(items.map((data) => ({ name: 'noop', data, opts: jobOptions(data.i, shape) })));
        },
        countWaiting: () => queue.getWaitingCount(),
        close: () => queue.close(),
      };
    },
    async startWorker(concurrency, onJob, { jobMs = 0, leaseMs, metrics, failEvery = 0, ratePerSecond } = {}) {
      const lease = leaseMs === undefined ? {} : { lockDuration: leaseMs, stalledInterval: leaseMs };
      const worker = new Worker<NoopData>(
        namespace,
        async (job) => {
          onJob(job.data);
          if (failEvery > 0 && job.attemptsMade === 0 && job.data.i % failEvery === 0) throw new Error('first attempt fails');
          if (jobMs > 0) await new Promise((resolve) => setTimeout(resolve, jobMs));
        },
        {
          connection,
          concurrency,
          ...lease,
          ...(metrics ? { metrics: { maxDataPoints: MetricsTime.ONE_WEEK } } : {}),
          ...(ratePerSecond ? { limiter: { max: ratePerSecond, duration: 1000 } } : {}),
        },
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
