import { Controller, Get, Query } from '@nestjs/common';
import { DashboardAccess } from '../access/dashboard-route.decorator.js';
import { DashboardAuditLog } from '../audit/dashboard-audit.log.js';
import { DashboardClusterReader } from '../data/dashboard-cluster.reader.js';
import { asHttp, optionalText } from './dashboard-request.checks.js';

/** Audit entries per page. */
const AUDIT_PAGE = 50;

/** `<path>/api`: event subscribers, the cluster's processes and workers, the audit log. */
@Controller()
export class DashboardClusterController {
  constructor(
    private readonly cluster: DashboardClusterReader,
    private readonly audit: DashboardAuditLog,
  ) {}

  @Get('events')
  @DashboardAccess('read', 'events')
  events() {
    return asHttp(this.cluster.events());
  }

  @Get('workers')
  @DashboardAccess('read', 'workers')
  workers() {
    return asHttp(this.cluster.workers());
  }

  /** Newest first, AUDIT_PAGE a page; `next` is the cursor of the following page, null at the end. */
  @Get('audit')
  @DashboardAccess('read', 'audit')
  async entries(@Query('cursor') cursor: unknown) {
    const from = Math.max(0, Number.parseInt(optionalText('cursor', cursor, 20) ?? '0', 10) || 0);
    const entries = await asHttp(this.audit.read(from, AUDIT_PAGE));
    return { entries, next: entries.length < AUDIT_PAGE ? null : String(from + entries.length) };
  }
}
