export const SCHEDULE_METADATA = 'nestjs-background:schedule';

/** The job name of a decorated schedule's ticks is this prefix and the schedule's name. */
export const SCHEDULE_JOB_PREFIX = 'schedule:';

/**
 * A tick is stored as a delayed job at most this long before it is due (and at most half a
 * period), so that it starts on time by storage's clock while at most one tick waits ahead.
 */
export const MAX_TICK_LEAD_MS = 1000;

/** The id of the tick of `schedule` due at `due` (epoch ms): the same in every process, so the tick is stored once. */
export const tickId = (schedule: string, due: number) => `${tickIdPrefix(schedule)}${due}`;

export const tickIdPrefix = (schedule: string) => `${SCHEDULE_JOB_PREFIX}${schedule}:`;
