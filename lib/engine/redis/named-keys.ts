import type { CancelOutcome } from '../storage-engine.interface.js';
import { workerKeys } from './claim.codec.js';
import type { ScriptRunner } from './redis-scripts.js';

/**
 * The scripts whose keys depend on what is in Redis when they run (whose worker holds a job,
 * which workers and parked lists there are): each is given the keys its caller expects, and,
 * when Redis holds others, changes nothing and names them, to be asked again with.
 */
export class NamedKeys {
  /** The workers and parked lists of each queue as the last count found them. */
  private readonly counted = new Map<string, { workers: string[]; lists: string[] }>();

  constructor(
    private readonly run: ScriptRunner,
    private readonly configArgs: (string | number)[],
  ) {}

  /** cancel.lua, given the keys of the job's worker or parked list. */
  async cancel(base: string, id: string): Promise<CancelOutcome | 'cancelled+'> {
    let worker = '';
    let list = '';
    for (;;) {
      const keys = [...workerKeys(base, worker), `${base}:${list}`];
      const reply = (await this.run('cancel', base, [id, worker, list, ...this.configArgs], keys)) as CancelOutcome | 'cancelled+' | [string, string];
      if (typeof reply === 'string') return reply;
      [worker, list] = reply;
    }
  }

  /**
   * counts.lua, given the keys of every worker holding jobs and every parked list. Those it names
   * join the ones asked with (workers that take turns holding jobs come and go between two calls),
   * and a count that succeeds leaves only those it counted for the next time.
   */
  async counts(base: string): Promise<number[]> {
    let { workers, lists } = this.counted.get(base) ?? { workers: [] as string[], lists: [] as string[] };
    for (;;) {
      const keys = [...workers.flatMap((worker) => workerKeys(base, worker).slice(0, 2)), ...lists.map((list) => `${base}:${list}`)];
      const reply = (await this.run('counts', base, [workers.length, ...workers, ...lists], keys)) as (number | string | string[])[];
      if (reply[0] !== 'again') {
        this.counted.set(base, { workers: reply[9] as string[], lists: reply[10] as string[] });
        return reply.slice(0, 9) as number[];
      }
      workers = [...new Set([...workers, ...(reply[1] as string[])])];
      lists = [...new Set([...lists, ...(reply[2] as string[])])];
    }
  }
}
