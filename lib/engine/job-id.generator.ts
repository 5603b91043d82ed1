import { randomBytes } from 'node:crypto';

/**
 * Job ids unique across processes without a round trip: a random per-process prefix and a
 * counter, short so that they cost little in every key and list that holds them.
 */
export class JobIdGenerator {
  private readonly prefix = randomBytes(6).toString('base64url');
  private counter = 0;

  next(): string {
    return `${this.prefix}${(this.counter++).toString(36)}`;
  }
}
