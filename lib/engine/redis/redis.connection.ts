import { Logger } from '@nestjs/common';
import { Cluster, Redis, type RedisOptions } from 'ioredis';
import { REDIS_UNREACHABLE, REDIS_UNREACHABLE_AT_START } from '../../background.messages.js';
import { RedisUnavailableError } from '../../errors/redis-unavailable.error.js';
import { IMMEDIATE_SCRIPTS } from './redis-scripts.js';

export type RedisClient = Redis | Cluster;
export type ConnectionOption = string | RedisOptions | Redis | Cluster;

/**
 * The clients the Redis engine owns. Commands never wait in ioredis' offline queue: a command
 * that could not be sent must not be written later, after its caller was told it failed.
 * Instead every caller first waits, for a bounded time, until the client is ready.
 */
export class RedisConnection {
  readonly address: string;
  private readonly logger = new Logger('Background');
  private readonly owned: RedisClient[] = [];
  private readonly retired = new WeakSet<RedisClient>();
  private lastErrorLog = 0;
  /** Until a client was ready once, Redis is unreachable at start-up, which is a configuration problem. */
  private everReady = false;
  /** The last error ioredis reported, said when the application cannot start. */
  private lastError?: string;

  constructor(private readonly option: ConnectionOption) {
    this.address = describeAddress(option);
  }

  /** A new client: `blocking` ones are for BLPOP and may wait indefinitely. */
  create(kind: 'commands' | 'blocking'): RedisClient {
    const ours: RedisOptions = {
      lazyConnect: true,
      enableOfflineQueue: false,
      enableAutoPipelining: kind === 'commands',
      autoPipeliningIgnoredCommands: [...IMMEDIATE_SCRIPTS],
      maxRetriesPerRequest: kind === 'blocking' ? null : 1,
      connectionName: `nestjs-background:${kind}`,
    };
    const option = this.option;
    let client: RedisClient;
    if (option instanceof Redis || option instanceof Cluster) {
      client = option instanceof Redis ? option.duplicate(ours) : option.duplicate(undefined, { redisOptions: ours, enableOfflineQueue: false, enableAutoPipelining: ours.enableAutoPipelining, autoPipeliningIgnoredCommands: ours.autoPipeliningIgnoredCommands, lazyConnect: true });
    } else if (typeof option === 'string') {
      client = new Redis(option, ours);
    } else {
      client = new Redis({ ...option, ...ours });
    }
    // a client closed on purpose may still report its unfinished handshake: that is no news
    client.on('error', (error: Error) => {
      this.lastError = error.message;
      if (!this.retired.has(client)) this.logError(error);
    });
    client.on('ready', () => {
      this.everReady = true;
      this.lastError = undefined;
    });
    this.owned.push(client);
    return client;
  }

  /** Resolves when `client` can take commands; rejects after `timeoutMs` naming the address. */
  async ready(client: RedisClient, timeoutMs: number): Promise<void> {
    // right after Redis went away a client may still say 'ready' over a socket that is closed
    if (client.status === 'ready' && (client as Redis).stream?.writable !== false) return;
    if (client.status === 'wait') client.connect().catch(() => undefined);
    await new Promise<void>((resolve, reject) => {
      const settle = (error?: Error) => {
        clearTimeout(timer);
        client.off('ready', onReady);
        client.off('end', onEnd);
        if (error) reject(error);
        else resolve();
      };
      const onReady = () => settle();
      const onEnd = () => settle(new RedisUnavailableError(REDIS_UNREACHABLE(this.address, 0)));
      const timer = setTimeout(() => settle(this.unreachable(timeoutMs)), timeoutMs);
      client.once('ready', onReady);
      // a client closed on purpose (shutdown) will never be ready
      client.once('end', onEnd);
    });
  }

  /** Disconnects a client at once, for good, without reporting what that interrupts. */
  retire(client: RedisClient): void {
    this.retired.add(client);
    client.disconnect();
  }

  async closeAll(): Promise<void> {
    await Promise.all(
      this.owned.splice(0).map(async (client) => {
        this.retired.add(client);
        if (client.status === 'end') return;
        // resolve only once the socket is gone, so that nothing outlives app.close()
        const ended = new Promise((resolve) => client.once('end', resolve));
        if (client.status === 'ready') await client.quit().catch(() => client.disconnect());
        else client.disconnect();
        // between reconnect attempts there is no socket, and ioredis emits no 'end'
        if (!['reconnecting', 'end'].includes(client.status)) await ended;
      }),
    );
  }

  private unreachable(waitedMs: number): RedisUnavailableError {
    return new RedisUnavailableError(
      this.everReady ? REDIS_UNREACHABLE(this.address, waitedMs) : REDIS_UNREACHABLE_AT_START(this.address, waitedMs, this.lastError),
    );
  }

  private logError(error: Error): void {
    // a down Redis makes ioredis report every reconnect attempt; one line a minute is enough
    const now = Date.now();
    if (now - this.lastErrorLog < 60_000) return;
    this.lastErrorLog = now;
    this.logger.error(`Redis at ${this.address}: ${error.message}`);
  }
}

function describeAddress(option: ConnectionOption): string {
  if (typeof option === 'string') {
    try {
      const url = new URL(option);
      return `${url.hostname}:${url.port || 6379}`;
    } catch {
      return option;
    }
  }
  if (option instanceof Cluster) return 'the Redis Cluster';
  const options = option instanceof Redis ? option.options : option;
  return options.path ?? `${options.host ?? '127.0.0.1'}:${options.port ?? 6379}`;
}
