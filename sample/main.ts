import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { JobsService } from '../lib/index.js';
import { SampleModule } from './sample.module.js';
import { SendWelcome } from './welcome.jobs.js';

const app = await NestFactory.create(SampleModule);
app.enableShutdownHooks();
const port = Number(process.env.PORT ?? 3000);
await app.listen(port);

const jobs = app.get(JobsService);
const { id } = await jobs.enqueue(SendWelcome, { email: 'ada@example.com' });
const result = await jobs.waitFor<{ delivered: string }>(id, { timeoutMs: 10_000 });
const logger = new Logger('Sample');
logger.log(`Job ${id} completed: ${JSON.stringify(result)}`);
logger.log(`Listening on http://localhost:${port}: POST /welcome {"email": "..."}, GET /jobs/:id, GET /stats. Ctrl-C stops.`);
