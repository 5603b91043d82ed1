import { CronTime } from 'cron';

/**
 * When a schedule's ticks fall: absolute times that every process computes alike (an interval
 * counts its periods from `startAt`, or from the epoch), so that a tick has one id cluster-wide.
 */
export class ScheduleTiming {
  private readonly cronTime?: CronTime;
  /** The zone the expression is read in; undefined: the process's. */
  private readonly zone?: string;

  constructor(
    readonly spec: { every?: number; cron?: string; timeZone?: string; utcOffset?: number; at?: number; startAt?: number; endAt?: number },
  ) {
    // throws on an invalid expression or time zone; the caller turns that into a message. A UTC
    // offset is read as the fixed zone it names: cron applies `utcOffset` only to its own timer
    this.zone = spec.utcOffset === undefined ? spec.timeZone : offsetZone(spec.utcOffset);
    if (spec.cron !== undefined) this.cronTime = new CronTime(spec.cron, this.zone);
  }

  /** The first tick strictly after `after` (epoch ms), or null once `endAt` has passed. */
  next(after: number): number | null {
    const { every, startAt, endAt } = this.spec;
    const from = startAt !== undefined && after < startAt ? startAt - 1 : after;
    let due: number;
    if (this.spec.at !== undefined) {
      if (after >= this.spec.at) return null;
      due = this.spec.at;
    } else if (every !== undefined) {
      const anchor = startAt ?? 0;
      due = anchor + (Math.floor((from - anchor) / every) + 1) * every;
    } else {
      // cron's getNextDateFrom reads the start in its own zone, not the CronTime's: it is given the zone
      due = this.cronTime!.getNextDateFrom(new Date(from), this.zone).toMillis();
    }
    return endAt !== undefined && due > endAt ? null : due;
  }

  /** How long before `due` its tick is stored: at most half the period, so that one tick at most waits ahead. */
  lead(due: number, maxLead: number): number {
    const following = this.next(due);
    return following === null ? maxLead : Math.min(maxLead, Math.floor((following - due) / 2));
  }
}

/** Luxon's name of the fixed zone `minutes` from UTC: `UTC+05:30`, `UTC-03:00`. */
function offsetZone(minutes: number): string {
  const abs = Math.abs(minutes);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `UTC${minutes < 0 ? '-' : '+'}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}
