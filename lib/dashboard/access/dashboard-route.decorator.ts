import { SetMetadata } from '@nestjs/common';
import type { DashboardAction } from '../dashboard-options.interface.js';
import { DASHBOARD_ROUTE } from '../dashboard.constants.js';

/** What a dashboard route does, what it is about, and the verb the audit log records for a write. */
export interface DashboardRoute {
  action: DashboardAction;
  kind: string;
  verb?: string;
}

/** Marks a dashboard route for the access guard and the audit log. */
export const DashboardAccess = (action: DashboardAction, kind: string, verb?: string) =>
  SetMetadata(DASHBOARD_ROUTE, { action, kind, verb } satisfies DashboardRoute);
