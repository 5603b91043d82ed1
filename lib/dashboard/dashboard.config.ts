import type { BackgroundDashboardOptions, DashboardAction, DashboardTarget, RedactableJob } from './dashboard-options.interface.js';
import { DASHBOARD_BAD_OPTION, DASHBOARD_UNGUARDED } from './dashboard.messages.js';

/** The dashboard's options with every default applied. */
export interface DashboardConfig {
  authorize?: (request: any, action: DashboardAction, target: DashboardTarget) => boolean | Promise<boolean>;
  actor: (request: any) => string;
  redact?: (job: RedactableJob) => RedactableJob;
  readOnly: boolean;
  maxTextLength: number;
  searchLimit: number;
  groupLimit: number;
  auditMaxEntries: number;
  allowedOrigins: string[];
  pollMs: number;
}

/** Options checked and defaults applied, in one place; refuses an unguarded dashboard in production. */
export function resolveDashboardConfig(options: BackgroundDashboardOptions, guarded: boolean): DashboardConfig {
  if (!guarded && options.authorize === undefined && process.env.NODE_ENV === 'production') throw new Error(DASHBOARD_UNGUARDED());
  for (const key of ['authorize', 'actor', 'redact'] as const) {
    if (options[key] !== undefined && typeof options[key] !== 'function') throw new Error(DASHBOARD_BAD_OPTION(key, 'a function', options[key]));
  }
  return {
    authorize: options.authorize,
    actor: options.actor ?? defaultActor,
    redact: options.redact,
    readOnly: options.readOnly === true,
    maxTextLength: positive('maxTextLength', options.maxTextLength, 4096),
    searchLimit: positive('searchLimit', options.searchLimit, 1000),
    groupLimit: positive('groupLimit', options.groupLimit, 1000),
    auditMaxEntries: positive('auditMaxEntries', options.auditMaxEntries, 10_000),
    allowedOrigins: options.allowedOrigins ?? [],
    pollMs: positive('pollMs', options.pollMs, 1000),
  };
}

function positive(key: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1) throw new Error(DASHBOARD_BAD_OPTION(key, 'a positive integer', value));
  return value;
}

function defaultActor(request: any): string {
  const user = request?.user;
  return String(user?.id ?? user?.name ?? request?.ip ?? 'unknown');
}
