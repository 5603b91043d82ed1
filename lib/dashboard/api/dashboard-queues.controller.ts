import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { JobsService } from '../../jobs.service.js';
import { DashboardAccess } from '../access/dashboard-route.decorator.js';
import { DashboardJobsReader } from '../data/dashboard-jobs.reader.js';
import { asHttp, LISTED_STATES, oneOf, optionalText, pageLimit, requireConfirm } from './dashboard-request.checks.js';

const BULK_ACTIONS = ['cancel', 'retry', 'promote'] as const;

/** `<path>/api/queues/:queue`: its jobs by state (with search), pause and resume, bulk actions. */
@Controller()
export class DashboardQueuesController {
  constructor(
    private readonly reader: DashboardJobsReader,
    private readonly jobs: JobsService,
  ) {}

  @Get('queues/:queue/jobs')
  @DashboardAccess('read', 'queue')
  list(@Param('queue') queue: string, @Query() query: Record<string, unknown>) {
    const state = oneOf('state', query.state, LISTED_STATES, 'waiting');
    const cursor = optionalText('cursor', query.cursor, 20) ?? null;
    return asHttp(this.reader.list(queue, state, cursor, pageLimit(query.limit), optionalText('q', query.q, 200)));
  }

  @Post('queues/:queue/pause')
  @HttpCode(200)
  @DashboardAccess('write', 'queue', 'pause')
  async pause(@Param('queue') queue: string) {
    await this.reader.assertQueue(queue);
    await asHttp(this.jobs.pause(queue));
    return { paused: true };
  }

  @Post('queues/:queue/resume')
  @HttpCode(200)
  @DashboardAccess('write', 'queue', 'resume')
  async resume(@Param('queue') queue: string) {
    await this.reader.assertQueue(queue);
    await asHttp(this.jobs.resume(queue));
    return { paused: false };
  }

  /** Cancels, retries or promotes every job of a state (matching `q`): destructive, confirmed with the queue's name. */
  @Post('queues/:queue/bulk')
  @HttpCode(200)
  @DashboardAccess('destructive', 'queue', 'bulk')
  bulk(@Param('queue') queue: string, @Body() body: Record<string, unknown> | undefined) {
    const action = oneOf('action', body?.action, BULK_ACTIONS);
    const state = oneOf('state', body?.state, LISTED_STATES);
    const q = optionalText('q', body?.q, 200);
    requireConfirm(body, queue);
    return asHttp(this.reader.bulk(queue, action, state, q));
  }
}
