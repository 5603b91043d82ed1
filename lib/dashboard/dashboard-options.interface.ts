import type { CanActivate, Type } from '@nestjs/common';

/**
 * What a request to the dashboard does: `read` (every GET), `write` (retry, cancel, pause, ...)
 * or `destructive` (purge, redrive a group, bulk actions), which also asks for a confirmation.
 * @publicApi
 */
export type DashboardAction = 'read' | 'write' | 'destructive';

/**
 * What a request is about: `kind` (`'overview'`, `'queue'`, `'job'`, `'dead-letters'`,
 * `'schedule'`, `'breaker'`, `'events'`, `'workers'`, `'audit'`, `'stream'`, `'flow'`) and the names the
 * route was given (`queue`, `id`, `name`, `key`).
 * @publicApi
 */
export interface DashboardTarget {
  kind: string;
  [name: string]: unknown;
}

/**
 * A job as `redact` is given it, its payload and result parsed: return it with whatever must not
 * leave the server replaced. It runs on the server before any of the job is sent, and search
 * matches what it returns.
 * @publicApi
 */
export interface RedactableJob {
  id: string;
  name: string;
  queue: string;
  data: unknown;
  result?: unknown;
  progress?: unknown;
  logs: string[];
  errors: { message: string; stack?: string }[];
}

/**
 * `BackgroundDashboardModule.forRoot(options)`. With neither `guards` nor `authorize`, the module
 * refuses to start when `NODE_ENV` is `production`.
 * @publicApi
 */
export interface BackgroundDashboardOptions {
  /**
   * Decides each request on the server, after `guards`: false answers 403. `action` says what
   * the request does, `target` what it is about.
   * @default every request allowed (outside production; see above)
   */
  authorize?: (request: any, action: DashboardAction, target: DashboardTarget) => boolean | Promise<boolean>;
  /** Who the audit log says did it. @default `request.user.id ?? request.user.name ?? request.ip` */
  actor?: (request: any) => string;
  /** Applied to every job before any of it is sent (lists, details, search, the live stream). @default none */
  redact?: (job: RedactableJob) => RedactableJob;
  /** Every write answers 403, whatever `authorize` says. @default false */
  readOnly?: boolean;
  /** Longer payloads, results, stacks and log lines are cut to this many characters (`truncated: true`); `jobs/:id/full` gives the whole. @default 4096 */
  maxTextLength?: number;
  /** A search looks at this many jobs at most, and says so (`capped: true`). @default 1000 */
  searchLimit?: number;
  /** Dead jobs read (newest first) to group by error message. @default 1000 */
  groupLimit?: number;
  /** Entries the audit log keeps, newest. @default 10000 */
  auditMaxEntries?: number;
  /** Origins besides the dashboard's own that may send writes (`https://admin.example.com`). @default none */
  allowedOrigins?: string[];
  /** How often the live stream's one poller per process reads, while any client is connected. @default 1000 */
  pollMs?: number;
}

/**
 * Given beside the options to `forRoot` and `forRootAsync` (they set up the routes, before any
 * async factory runs).
 * @publicApi
 */
export interface BackgroundDashboardExtras {
  /** Where the dashboard's pages are served; its JSON API is under `<path>/api`. @default 'jobs-dashboard' */
  path: string;
  /** Guards run on every route of the dashboard (after the application's global guards). @default none */
  guards: Type<CanActivate>[];
}
