import { Controller, Get, Param } from '@nestjs/common';
import { DashboardAccess } from '../access/dashboard-route.decorator.js';
import { DashboardFlowReader, type DashboardFlow } from '../data/dashboard-flow.reader.js';
import { asHttp } from './dashboard-request.checks.js';

/** `<path>/api/flows/:id`: the flow a job is in, from its root down, a bounded number of nodes. */
@Controller()
export class DashboardFlowsController {
  constructor(private readonly reader: DashboardFlowReader) {}

  @Get('flows/:id')
  @DashboardAccess('read', 'flow')
  flow(@Param('id') id: string): Promise<DashboardFlow> {
    return asHttp(this.reader.read(id));
  }
}
