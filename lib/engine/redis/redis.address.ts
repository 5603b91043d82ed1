import { Cluster, Redis } from 'ioredis';
import type { ConnectionOption } from './redis.client.js';

/**
 * `text` as it may be shown in a message or a log: the password of any URL or `user:password@`
 * in it replaced by `***` (`redis://user:***@host`, `?password=***`). It works on text that is no
 * valid URL (a malformed REDIS_URL is shown to say what is wrong with it) and on messages that
 * quote one, and masks up to the last `@`, as a password may hold one.
 */
export function maskPassword(text: string): string {
  return text
    .replace(/(^|[\s/"'])([^\s:/@"']*):(?!\/)[^\s"']*@/g, '$1$2:***@')
    .replace(/([?&]password=)[^&\s"']*/gi, '$1***');
}

/** Where Redis is, for messages: host and port, never the credentials. */
export function describeAddress(option: ConnectionOption): string {
  if (typeof option === 'string') {
    try {
      const url = new URL(option);
      return `${url.hostname}:${url.port || 6379}`;
    } catch {
      return maskPassword(option);
    }
  }
  if (option instanceof Cluster) return 'the Redis Cluster';
  const options = option instanceof Redis ? option.options : option;
  return options.path ?? `${options.host ?? '127.0.0.1'}:${options.port ?? 6379}`;
}
