import type { KeyedScriptRunner } from './redis-scripts.js';
import type { RedisClient } from './redis.client.js';
import type { BreakerReading, BreakerSpec, BreakerStore, BreakerTransition, CircuitBreakerState } from '../ports/breaker-store.interface.js';
import { decodeTransition } from './breaker-transition.codec.js';

/**
 * Breakers in Redis, beside the jobs of their queue (see lib/breaker/lua/parts/breaker.lua), so that the claim
 * script that settles a job also counts its outcome: a closed breaker costs jobs no round trip.
 */
export class RedisBreakerStore implements BreakerStore {
  constructor(
    private readonly client: RedisClient,
    private readonly run: KeyedScriptRunner,
    private readonly base: (queue: string) => string,
    private readonly leaseMs: number,
  ) {}

  async enter(queue: string, spec: BreakerSpec, token: string) {
    const keys = [...this.keys(queue, spec.name), `${this.base(queue)}:state`];
    const [verdict, made] = (await this.run('breaker-call', keys, [
      spec.resetTimeoutMs,
      spec.halfOpenProbes,
      this.leaseMs,
      token,
    ])) as ['closed' | 'probe' | 'open', string];
    return { verdict, transition: decodeTransition(spec.name, made) };
  }

  hold(queue: string, spec: BreakerSpec, token: string): () => void {
    const [, , probes] = this.keys(queue, spec.name);
    const renew = setInterval(() => void this.run('breaker-hold', [probes!], [token]).catch(() => undefined), Math.ceil(this.leaseMs / 3));
    return () => clearInterval(renew);
  }

  async record(queue: string, spec: BreakerSpec, token: string, succeeded: boolean): Promise<BreakerTransition | undefined> {
    const made = (await this.run('breaker-record', this.wakingKeys(queue, spec.name), [
      succeeded ? '1' : '0',
      spec.failureThreshold,
      spec.windowMs,
      spec.resetTimeoutMs,
      spec.halfOpenProbes,
      this.leaseMs,
      token,
    ])) as string;
    return decodeTransition(spec.name, made);
  }

  async set(queue: string, spec: BreakerSpec, action: 'open' | 'reset'): Promise<BreakerTransition | undefined> {
    return decodeTransition(spec.name, (await this.run('breaker-set', this.wakingKeys(queue, spec.name), [action])) as string);
  }

  async read(queue: string, spec: BreakerSpec): Promise<BreakerReading> {
    const [state, failures, probes] = this.keys(queue, spec.name);
    const [[s, at, byHand], failed, probing, parked, [seconds, micros]] = await Promise.all([
      this.client.hmget(state!, 's', 'at', 'man'),
      this.client.zcard(failures!),
      this.client.zcard(probes!),
      this.client.llen(`${this.base(queue)}:bq:${spec.name}`),
      this.client.time(),
    ]);
    const openedAt = at ? Number(at) : undefined;
    const now = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
    // an open breaker whose reset timeout has passed lets the next job through: it is half-open
    const due = s === 'open' && !byHand && openedAt !== undefined && now >= openedAt + spec.resetTimeoutMs;
    const current: CircuitBreakerState = s === 'half' || due ? 'half-open' : s === 'open' ? 'open' : 'closed';
    return { state: current, failures: failed, parked, probes: probing, openedAt, byHand: byHand === '1' };
  }

  private keys(queue: string, name: string): string[] {
    const base = this.base(queue);
    return [`${base}:b:${name}`, `${base}:bf:${name}`, `${base}:bp:${name}`];
  }

  private wakingKeys(queue: string, name: string): string[] {
    const base = this.base(queue);
    return [...this.keys(queue, name), `${base}:marker`, `${base}:idle`];
  }
}
