import { InvalidOptionsError } from '../errors/invalid-options.error.js';
import { INVALID_EVENT_NAME, INVALID_EVENT_PATTERN } from './events.messages.js';

const SEGMENT = /^[\w:@$-]+$/;
const MAX_LENGTH = 200;

/**
 * A subscription's pattern: segments separated by '.', where `*` stands for exactly one segment
 * and `**` for any number of them, none included (as EventEmitter2 with `wildcard: true`).
 */
export class EventPattern {
  private constructor(
    readonly source: string,
    private readonly segments: string[],
  ) {}

  static parse(where: string, pattern: unknown): EventPattern {
    if (typeof pattern !== 'string' || pattern.length === 0 || pattern.length > MAX_LENGTH) {
      throw new InvalidOptionsError(INVALID_EVENT_PATTERN(where, pattern, `it must be a non-empty string of at most ${MAX_LENGTH} characters`));
    }
    const segments = pattern.split('.');
    for (const segment of segments) {
      if (segment === '*' || segment === '**') continue;
      if (segment === '') throw new InvalidOptionsError(INVALID_EVENT_PATTERN(where, pattern, 'it has an empty segment (a leading, trailing or double ".")'));
      if (segment.includes('*')) {
        throw new InvalidOptionsError(INVALID_EVENT_PATTERN(where, pattern, `"${segment}" mixes "*" with other characters; "*" and "**" stand alone between dots`));
      }
      if (!SEGMENT.test(segment)) {
        throw new InvalidOptionsError(INVALID_EVENT_PATTERN(where, pattern, `"${segment}" may hold letters, digits, "_", "-", ":", "@" and "$" only`));
      }
    }
    return new EventPattern(pattern, segments);
  }

  matches(event: string): boolean {
    return match(this.segments, 0, event.split('.'), 0);
  }
}

/** Throws unless `event` is a name `emit` accepts: segments of word characters separated by '.', no wildcard. */
export function assertEventName(where: string, event: unknown): asserts event is string {
  const problem =
    typeof event !== 'string' || event.length === 0
      ? 'it must be a non-empty string, or a definition made with defineEvent()'
      : event.length > MAX_LENGTH
        ? `it is longer than ${MAX_LENGTH} characters`
        : event.includes('*')
          ? 'an emitted event names one event; wildcards belong in @OnEvent() patterns'
          : event.split('.').some((segment) => !SEGMENT.test(segment))
            ? 'its segments, separated by ".", must be non-empty and hold letters, digits, "_", "-", ":", "@" and "$" only'
            : null;
  if (problem) throw new InvalidOptionsError(INVALID_EVENT_NAME(where, event, problem));
}

function match(pattern: string[], p: number, event: string[], e: number): boolean {
  if (p === pattern.length) return e === event.length;
  if (pattern[p] === '**') {
    for (let next = e; next <= event.length; next++) if (match(pattern, p + 1, event, next)) return true;
    return false;
  }
  if (e === event.length) return false;
  return (pattern[p] === '*' || pattern[p] === event[e]) && match(pattern, p + 1, event, e + 1);
}
