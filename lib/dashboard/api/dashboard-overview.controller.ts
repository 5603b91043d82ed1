import { Controller, Get, Query, Req, Sse, type MessageEvent } from '@nestjs/common';
import type { Observable } from 'rxjs';
import { DashboardAccess } from '../access/dashboard-route.decorator.js';
import { DashboardClusterReader, HISTORY_RANGES } from '../data/dashboard-cluster.reader.js';
import { DashboardJobsReader } from '../data/dashboard-jobs.reader.js';
import { DashboardPoller } from '../live/dashboard.poller.js';
import { asHttp, oneOf, optionalText, requiredText } from './dashboard-request.checks.js';

/** `<path>/api`: the overview, the history behind its charts, and the live stream. */
@Controller()
export class DashboardOverviewController {
  constructor(
    private readonly cluster: DashboardClusterReader,
    private readonly jobs: DashboardJobsReader,
    private readonly poller: DashboardPoller,
  ) {}

  @Get('overview')
  @DashboardAccess('read', 'overview')
  overview() {
    return asHttp(this.cluster.overview());
  }

  @Get('history')
  @DashboardAccess('read', 'queue')
  async history(@Query('queue') queue: unknown, @Query('range') range: unknown) {
    const name = requiredText('queue', queue, 200);
    await this.jobs.assertQueue(name);
    return asHttp(this.cluster.history(name, oneOf('range', range, Object.keys(HISTORY_RANGES) as (keyof typeof HISTORY_RANGES)[], '1h')));
  }

  /** Server-sent events: `overview`, `jobs` (with `?queue=`), `heartbeat`, `problem`. */
  @Sse('stream')
  @DashboardAccess('read', 'stream')
  stream(@Query('queue') queue: unknown, @Req() request: any): Observable<MessageEvent> {
    // Express's request is Node's; Fastify's wraps it as `raw`
    const socket = (request.raw ?? request).socket;
    return this.poller.stream(optionalText('queue', queue, 200), () => setImmediate(() => socket?.end()));
  }
}
