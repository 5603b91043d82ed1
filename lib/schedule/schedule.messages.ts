// Messages of the options `@nestjs/schedule` brings (utcOffset, a Date, waitForCompletion, threshold)
// and of adopting its decorators; the older schedule messages are in background.messages.ts.

export const INVALID_UTC_OFFSET = (where: string, got: unknown) =>
  `${where}: utcOffset ${show(got)} is not an offset from UTC. Give whole minutes from -720 to 840 (UTC-12:00 to UTC+14:00), e.g. utcOffset: 330 for UTC+05:30, or a timeZone such as 'Asia/Kolkata' instead.`;

export const ZONE_AND_OFFSET = (where: string) =>
  `${where}: timeZone and utcOffset are both given, and cron reads an expression in one zone. Keep one of them.`;

export const INVALID_CRON_DATE = (where: string) =>
  `${where}: the Date given as the cron time is not a valid date. Give a valid Date (new Date('2030-01-01T09:00:00Z')) or a cron expression.`;

export const CRON_DATE_PAST = (where: string, at: number) =>
  `${where}: the one-off time ${new Date(at).toISOString()} is in the past, so the method would never run. Give a later Date, mark it disabled: true, or remove the decorator.`;

export const OVERLAP_CONFLICT = (where: string) =>
  `${where}: waitForCompletion and overlap say opposite things (waitForCompletion: true is overlap: false). Keep one of them.`;

export const THRESHOLD_WITH_RUN_ONCE = (where: string) =>
  `${where}: threshold skips a tick that starts too late, and missed: 'runOnce' runs a late tick once. Keep one of them.`;

export const SCHEDULE_MODULE_TOO = (targets: string) =>
  `ScheduleModule.forRoot() and BackgroundModule.forRoot() are both imported, so the @nestjs/schedule decorators on ${targets} would run twice: once per process by ScheduleModule and once per cluster by BackgroundModule. Remove ScheduleModule.forRoot() from the imports (BackgroundModule runs them; its schedule option takes the cronJobs, intervals and timeouts switches).`;

function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value == null) return String(value);
  return typeof value;
}

/** `@nestjs/schedule`'s own warning, word for word (its users' log filters and tests look for it). */
export const PEER_NON_STATIC = (kind: 'cron' | 'interval' | 'timeout', target: string) =>
  `Cannot register ${kind === 'cron' ? 'cron job' : kind} "${target}" because it is defined in a non static provider.`;
