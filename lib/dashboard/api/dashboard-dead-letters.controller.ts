import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { DashboardAccess } from '../access/dashboard-route.decorator.js';
import { DashboardJobsReader } from '../data/dashboard-jobs.reader.js';
import { asHttp, optionalText, requireConfirm } from './dashboard-request.checks.js';

/** `<path>/api/dead-letters`: dead jobs grouped by error message; redrive or purge a group (confirmed with its key). */
@Controller()
export class DashboardDeadLettersController {
  constructor(private readonly reader: DashboardJobsReader) {}

  @Get('dead-letters/groups')
  @DashboardAccess('read', 'dead-letters')
  async groups(@Query('queue') queue: unknown) {
    const { groups, capped } = await asHttp(this.reader.deadGroups(optionalText('queue', queue, 200)));
    return { groups, capped };
  }

  @Post('dead-letters/groups/:key/redrive')
  @HttpCode(200)
  @DashboardAccess('destructive', 'dead-letters', 'redrive group')
  redrive(@Param('key') key: string, @Body() body: unknown) {
    requireConfirm(body, key);
    return asHttp(this.reader.groupAction(key, 'redrive'));
  }

  @Post('dead-letters/groups/:key/purge')
  @HttpCode(200)
  @DashboardAccess('destructive', 'dead-letters', 'purge group')
  purge(@Param('key') key: string, @Body() body: unknown) {
    requireConfirm(body, key);
    return asHttp(this.reader.groupAction(key, 'purge'));
  }
}
