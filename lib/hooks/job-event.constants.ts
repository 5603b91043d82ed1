export const ON_JOB_EVENT_METADATA = 'nestjs-background:on-job-event';
