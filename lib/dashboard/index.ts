// The `nestjs-background/dashboard` entry point: an application that does not import it loads none of it.
export { BackgroundDashboardModule } from './dashboard.module.js';
export type { BackgroundDashboardAsyncOptions } from './dashboard.module-definition.js';
export type {
  BackgroundDashboardExtras,
  BackgroundDashboardOptions,
  DashboardAction,
  DashboardTarget,
  RedactableJob,
} from './dashboard-options.interface.js';
export type { DashboardJobDetail, DashboardJobSummary, DashboardTimelineEntry } from './data/dashboard-job.view.js';
export type { DashboardJobPage, DeadLetterGroup } from './data/dashboard-jobs.reader.js';
export type { DashboardFlow, DashboardFlowNode } from './data/dashboard-flow.reader.js';
export type { DashboardQueueOverview } from './data/dashboard-cluster.reader.js';
export type { ActivityPoint, AuditEntry } from '../engine/ports/dashboard-store.interface.js';
