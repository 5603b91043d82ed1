import { Controller, Get, HttpCode, Inject, NotFoundException, Param, Post, Query } from '@nestjs/common';
import { DashboardAccess } from '../access/dashboard-route.decorator.js';
import { DASHBOARD_CONFIG } from '../dashboard.constants.js';
import type { DashboardConfig } from '../dashboard.config.js';
import { fullField, toDetail } from '../data/dashboard-job.view.js';
import { DashboardJobsReader } from '../data/dashboard-jobs.reader.js';
import { asHttp, requiredText } from './dashboard-request.checks.js';

/** `<path>/api/jobs/:id`: one job (texts cut), one field whole, and retry, cancel, promote. */
@Controller()
export class DashboardJobsController {
  constructor(
    @Inject(DASHBOARD_CONFIG) private readonly config: DashboardConfig,
    private readonly reader: DashboardJobsReader,
  ) {}

  @Get('jobs/:id')
  @DashboardAccess('read', 'job')
  async detail(@Param('id') id: string) {
    return toDetail(await asHttp(this.reader.find(id)), this.config);
  }

  /** One field whole (`data`, `result`, `progress`, `logs[n]`, `errors[n].message`, `errors[n].stack`), still redacted. */
  @Get('jobs/:id/full')
  @DashboardAccess('read', 'job')
  async full(@Param('id') id: string, @Query('field') field: unknown) {
    const name = requiredText('field', field, 40);
    const value = fullField(await asHttp(this.reader.find(id)), this.config, name);
    if (value === undefined) throw new NotFoundException(`Job "${id}" has no field "${name}".`);
    return { id, field: name, value };
  }

  @Post('jobs/:id/retry')
  @HttpCode(200)
  @DashboardAccess('write', 'job', 'retry')
  retry(@Param('id') id: string) {
    return asHttp(this.reader.retry(id));
  }

  @Post('jobs/:id/cancel')
  @HttpCode(200)
  @DashboardAccess('write', 'job', 'cancel')
  cancel(@Param('id') id: string) {
    return asHttp(this.reader.cancel(id));
  }

  @Post('jobs/:id/promote')
  @HttpCode(200)
  @DashboardAccess('write', 'job', 'promote')
  promote(@Param('id') id: string) {
    return asHttp(this.reader.promote(id));
  }
}
