export const DASHBOARD_UNGUARDED = () =>
  'BackgroundDashboardModule refuses to start in production (NODE_ENV=production) with neither `guards` nor `authorize`: ' +
  'anyone could read every job and retry, cancel or purge them. Pass `guards: [YourAuthGuard]` or ' +
  '`authorize: (request, action, target) => ...` to BackgroundDashboardModule.forRoot().';
export const DASHBOARD_READ_ONLY = () => 'The dashboard is read-only (readOnly: true): writes are refused.';
export const DASHBOARD_FORBIDDEN = (action: string, kind: string) => `Not allowed: ${action} on ${kind} (authorize refused it).`;
export const DASHBOARD_CROSS_SITE = (origin: string) =>
  `Refused a write from another site (${origin}). Send writes from the dashboard's own origin, or add it to allowedOrigins.`;
export const DASHBOARD_CONFIRM = (expected: string) => `This action is destructive: send the body {"confirm": ${JSON.stringify(expected)}} to confirm it.`;
export const DASHBOARD_BAD_PARAM = (name: string, expected: string, got: unknown) =>
  `Query parameter "${name}" must be ${expected}; got ${JSON.stringify(got)}.`;
export const DASHBOARD_JOB_NOT_FOUND = (id: string) => `No job has the id "${id}" (it may have been trimmed by retention).`;
export const DASHBOARD_GROUP_NOT_FOUND = (key: string) =>
  `No dead-letter group has the key "${key}" among the newest dead jobs: read dead-letters/groups again.`;
export const DASHBOARD_UNKNOWN_QUEUE = (queue: string) => `No queue is named "${queue}".`;
export const DASHBOARD_BAD_OPTION = (key: string, expected: string, got: unknown) =>
  `BackgroundDashboardModule option "${key}" must be ${expected}; got ${typeof got === 'function' ? 'a function' : JSON.stringify(got)}.`;
