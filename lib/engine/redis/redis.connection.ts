import { Logger } from '@nestjs/common';
import { Cluster, Redis, type RedisOptions } from 'ioredis';
import {
  REDIS_BACK,
  REDIS_LOST,
  REDIS_LOST_REPLY,
  REDIS_NOT_CONNECTED,
  REDIS_REFUSED_CREDENTIALS,
  REDIS_UNREACHABLE,
  REDIS_UNREACHABLE_AT_START,
} from '../../background.messages.js';
import { RedisUnavailableError } from '../../errors/redis-unavailable.error.js';
import { describeAddress, maskPassword } from './redis.address.js';
import type { ConnectionOption, RedisClient } from './redis.client.js';
import { UNPIPELINED_SCRIPTS } from './redis-scripts.js';

/** The event a client of ours emits when Redis refused its credentials, for the waits on it. */
const REFUSED = 'nestjs-background:refused';

/** How long a closing client waits for Redis to acknowledge QUIT before it drops the socket. */
const QUIT_MS = 200;
/** The longest wait between reconnect attempts, and the random spread added to it so that many processes do not retry in step. */
const RECONNECT_MAX_MS = 400;
const RECONNECT_JITTER_MS = 100;
/** How soon a client that reached a Redis still loading its data asks again whether it is done. */
const LOADING_CHECK_MS = 100;

/**
 * How our clients reconnect, where the user's options leave ioredis' defaults: its wait between
 * attempts doubles up to 5 s, and a client that reached Redis while it loaded its file waited a
 * whole second more (the ETA of a small file reads 0, taken as 1 s), so a worker stayed idle up
 * to 5 s after Redis answered again. A failed attempt costs a refused TCP connect, so ours grows
 * by 50 ms to 0.5 s at most.
 */
const RECONNECT = {
  retryStrategy: (times: number) => Math.min(times * 50, RECONNECT_MAX_MS) + Math.floor(Math.random() * RECONNECT_JITTER_MS),
  maxLoadingRetryTime: LOADING_CHECK_MS,
} satisfies RedisOptions;

/** `RECONNECT` where `given` keeps ioredis' default (a client given to us always carries one). */
function reconnectOptions(given: RedisOptions): RedisOptions {
  const defaults = (Redis as unknown as { defaultOptions?: RedisOptions }).defaultOptions ?? {};
  const keep = (key: keyof typeof RECONNECT) => given[key] !== undefined && given[key] !== defaults[key];
  return {
    retryStrategy: keep('retryStrategy') ? given.retryStrategy : RECONNECT.retryStrategy,
    maxLoadingRetryTime: keep('maxLoadingRetryTime') ? given.maxLoadingRetryTime : RECONNECT.maxLoadingRetryTime,
  };
}

/**
 * How a command failed with its connection: `'not-sent'` never left this process;
 * `'reply-lost'` was written, and Redis may have run it before the connection went.
 */
export type ConnectionFailure = 'not-sent' | 'reply-lost';

/**
 * The clients the Redis engine owns. Commands never wait in ioredis' offline queue, and a
 * command whose reply the connection took with it fails at once and is never resent by
 * ioredis: either could be written after its caller was told it failed. Callers instead wait,
 * for a bounded time, until the client is ready, and resend only what is idempotent
 * (`resendIdempotent`).
 */
export class RedisConnection {
  readonly address: string;
  private readonly logger = new Logger('Background');
  private readonly owned: RedisClient[] = [];
  private readonly retired = new WeakSet<RedisClient>();
  /** An ioredis Cluster may say 'close' after its 'end' (a late drain of its node pool): trust the event. */
  private readonly endReported = new WeakSet<RedisClient>();
  /** Clients that are ready now: only their loss is an outage, not each failed reconnect. */
  private readonly live = new WeakSet<RedisClient>();
  /** One wait per client for its next 'ready', shared by all its callers: a listener each piled up during an outage. */
  private readonly readiness = new WeakMap<RedisClient, Promise<void>>();
  /** Until a client was ready once, Redis is unreachable at start-up, which is a configuration problem. */
  private everReady = false;
  private down = false;
  private closing = false;
  /** The last error ioredis reported, said when the application cannot start. */
  private lastError?: string;
  /** Clients whose last connection attempt Redis refused for its credentials, with its reply: no wait will end in 'ready'. */
  private readonly refused = new WeakMap<RedisClient, 'WRONGPASS' | 'NOAUTH'>();
  /** The refusal was logged; once again after a client was ready since. */
  private refusalLogged = false;

  constructor(private readonly option: ConnectionOption) {
    this.address = describeAddress(option);
  }

  /** A new client: `blocking` ones are for BLPOP and may wait indefinitely; `subscriber` ones only listen. */
  create(kind: 'commands' | 'blocking' | 'subscriber'): RedisClient {
    const ours: RedisOptions = {
      lazyConnect: true,
      enableOfflineQueue: false,
      // a command in flight when the connection drops is rejected as it drops (0 retries), and
      // not written again after the reconnect, when its caller has long been told it failed
      maxRetriesPerRequest: 0,
      autoResendUnfulfilledCommands: false,
      // a closed socket waits this long for Redis to close its side: a hung Redis never does
      disconnectTimeout: QUIT_MS,
      enableAutoPipelining: kind === 'commands',
      autoPipeliningIgnoredCommands: [...UNPIPELINED_SCRIPTS],
      connectionName: `nestjs-background:${kind}`,
      // CLIENT SETINFO (Redis 7.2+) would be one more command for a least-privilege ACL to allow; the name says who we are
      disableClientInfo: true,
    };
    const option = this.option;
    let client: RedisClient;
    if (option instanceof Redis) {
      client = option.duplicate({ ...ours, ...reconnectOptions(option.options) });
    } else if (option instanceof Cluster) {
      client = option.duplicate(undefined, { redisOptions: { ...ours, maxLoadingRetryTime: LOADING_CHECK_MS }, enableOfflineQueue: false, enableAutoPipelining: ours.enableAutoPipelining, autoPipeliningIgnoredCommands: ours.autoPipeliningIgnoredCommands, lazyConnect: true });
    } else if (typeof option === 'string') {
      client = new Redis(option, { ...ours, ...RECONNECT });
    } else {
      client = new Redis({ ...option, ...ours, ...reconnectOptions(option) });
    }
    client.once('end', () => this.endReported.add(client));
    // ioredis reports every failed reconnect; the outage is told once, by onClose and onReady
    client.on('error', (error: Error) => {
      // shown when the application cannot start; ioredis may quote a malformed URL in it
      this.lastError = maskPassword(error.message);
      this.onRefused(client, error);
    });
    // a Cluster reports its nodes' refusals as 'node error'
    if (client instanceof Cluster) client.on('node error', (error: Error) => this.onRefused(client, error));
    client.on('ready', () => this.onReady(client));
    client.on('close', () => this.onClose(client));
    this.owned.push(client);
    return client;
  }

  /** Resolves when `client` can take commands; rejects after `timeoutMs` naming the address. */
  async ready(client: RedisClient, timeoutMs: number): Promise<void> {
    // right after Redis went away a client may still say 'ready' over a socket that is closed
    if (client.status === 'ready' && (client as Redis).stream?.writable !== false) return;
    // waiting would not help: each reconnect is refused the same way until the credentials change
    if (this.refused.has(client)) throw this.refusal(client)!;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(this.unreachable(timeoutMs)), timeoutMs);
    });
    try {
      await Promise.race([this.nextReady(client), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Sends an idempotent command, and sends it again each time the connection fails under it,
   * as soon as the client is ready, until `timeoutMs` after the first try; then rejects with
   * `RedisUnavailableError` naming the address. Only for commands that change nothing when
   * repeated (the enqueue script leaves an id that exists as it is): a reply lost with the
   * connection may mean the first one ran. Any other error is passed on as it is.
   */
  async resendIdempotent<T>(client: RedisClient, timeoutMs: number, send: () => Promise<T>): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let replyLost = false;
    for (;;) {
      try {
        return await send();
      } catch (error) {
        const failure = connectionFailure(error);
        if (!failure) throw error;
        replyLost ||= failure === 'reply-lost';
        const left = deadline - Date.now();
        const gaveUp = new RedisUnavailableError(
          replyLost ? REDIS_LOST_REPLY(this.address, timeoutMs) : REDIS_UNREACHABLE(this.address, timeoutMs),
        );
        if (left <= 0) throw gaveUp;
        await this.ready(client, left).catch(() => Promise.reject(this.refusal(client) ?? gaveUp));
        // let ioredis take in the socket's news before the next try, so that failures cannot spin
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
  }

  /** `RedisUnavailableError` naming the address for an error a lost connection caused; any other error as it is. */
  unavailable(error: unknown): unknown {
    return toUnavailable(error, this.address);
  }

  /** Disconnects a client at once, for good, without reporting what that interrupts. */
  retire(client: RedisClient): void {
    this.retired.add(client);
    client.disconnect();
  }

  async closeAll(): Promise<void> {
    this.closing = true;
    await Promise.all(
      this.owned.splice(0).map(async (client) => {
        this.retired.add(client);
        if (client.status === 'end' || this.endReported.has(client)) return;
        // resolve only once the socket is gone, so that nothing outlives app.close()
        const ended = new Promise((resolve) => client.once('end', resolve));
        if (client.status === 'ready') {
          // a Redis that hangs never answers QUIT: do not let it hold the shutdown
          let timer: NodeJS.Timeout | undefined;
          const quit = client.quit().then(
            () => undefined,
            () => undefined,
          );
          await Promise.race([quit, new Promise((resolve) => (timer = setTimeout(resolve, QUIT_MS)))]);
          clearTimeout(timer);
          if ((client.status as string) !== 'end') client.disconnect();
        } else client.disconnect();
        // between reconnect attempts there is no socket, and ioredis emits no 'end'
        if (!['reconnecting', 'end'].includes(client.status)) await ended;
      }),
    );
  }

  private nextReady(client: RedisClient): Promise<void> {
    let wait = this.readiness.get(client);
    if (wait) return wait;
    if (client.status === 'wait') client.connect().catch(() => undefined);
    wait = new Promise<void>((resolve, reject) => {
      const settle = (error?: Error) => {
        this.readiness.delete(client);
        client.off('ready', onReady);
        client.off('end', onEnd);
        client.off(REFUSED, onRefused);
        if (error) reject(error);
        else resolve();
      };
      const onReady = () => settle();
      // a client closed on purpose (shutdown) will never be ready
      const onEnd = () => settle(new RedisUnavailableError(REDIS_NOT_CONNECTED(this.address)));
      const onRefused = () => settle(this.refusal(client));
      client.once('ready', onReady);
      client.once('end', onEnd);
      client.once(REFUSED, onRefused);
    });
    // every caller may have timed out by the time the client ends: nobody is left to be told
    wait.catch(() => undefined);
    this.readiness.set(client, wait);
    return wait;
  }

  private unreachable(waitedMs: number): RedisUnavailableError {
    return new RedisUnavailableError(
      this.everReady ? REDIS_UNREACHABLE(this.address, waitedMs) : REDIS_UNREACHABLE_AT_START(this.address, waitedMs, this.lastError),
    );
  }

  /** Redis refused the credentials of `client`: its callers are told at once, and the log once. */
  private onRefused(client: RedisClient, error: Error): void {
    const reply = /^(WRONGPASS|NOAUTH)\b/.exec(error.message)?.[1] as 'WRONGPASS' | 'NOAUTH' | undefined;
    if (!reply || this.retired.has(client) || this.closing) return;
    this.refused.set(client, reply);
    client.emit(REFUSED);
    if (this.refusalLogged) return;
    this.refusalLogged = true;
    this.logger.error(REDIS_REFUSED_CREDENTIALS(this.address, reply, !this.everReady));
  }

  private refusal(client: RedisClient): RedisUnavailableError | undefined {
    const reply = this.refused.get(client);
    return reply && new RedisUnavailableError(REDIS_REFUSED_CREDENTIALS(this.address, reply, !this.everReady));
  }

  private onReady(client: RedisClient): void {
    this.refused.delete(client);
    this.refusalLogged = false;
    this.live.add(client);
    this.everReady = true;
    this.lastError = undefined;
    if (!this.down) return;
    this.down = false;
    this.logger.log(REDIS_BACK(this.address));
  }

  /** The first client of ours that loses a ready connection tells of the outage; the others and every failed reconnect say nothing. */
  private onClose(client: RedisClient): void {
    if (!this.live.delete(client) || this.retired.has(client) || this.closing || this.down) return;
    this.down = true;
    this.logger.warn(REDIS_LOST(this.address));
  }
}

/** Which `ConnectionFailure` an ioredis error is; undefined for any other error (a script's, a wrong type...). */
export function connectionFailure(error: unknown): ConnectionFailure | undefined {
  if (!(error instanceof Error)) return undefined;
  const { name, message } = error;
  if (message.startsWith("Stream isn't writeable") || message.startsWith("Cluster isn't ready")) return 'not-sent';
  if (
    name === 'MaxRetriesPerRequestError' ||
    name === 'ClusterAllFailedError' ||
    // also what a client closed with commands in flight rejects them with
    message === 'Connection is closed.' ||
    message === 'Cluster is disconnected.' ||
    message === 'None of startup nodes is available'
  ) {
    return 'reply-lost';
  }
  return undefined;
}

/** `RedisUnavailableError` naming `address` for an error a lost connection caused; any other error as it is. */
export function toUnavailable(error: unknown, address: string): unknown {
  const failure = connectionFailure(error);
  if (!failure) return error;
  return new RedisUnavailableError(failure === 'not-sent' ? REDIS_NOT_CONNECTED(address) : REDIS_LOST_REPLY(address));
}
