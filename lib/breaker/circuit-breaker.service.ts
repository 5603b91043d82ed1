import { Inject, Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { CIRCUIT_OPEN, UNKNOWN_BREAKER } from '../background.messages.js';
import { STORAGE_ENGINE, type StorageEngine } from '../engine/storage-engine.interface.js';
import { StorageGateway } from '../storage.gateway.js';
import { CircuitOpenError } from '../errors/circuit-open.error.js';
import { InvalidOptionsError } from '../errors/invalid-options.error.js';
import { BreakerRegistry, type DeclaredBreaker } from './breaker.registry.js';
import type { BreakerStore, BreakerTransition } from '../engine/ports/breaker-store.interface.js';
import { logTransition } from './breaker-transition.log.js';
import { JobEvents } from '../hooks/job-events.js';
import type { CircuitBreakerInfo } from './circuit-breaker-options.interface.js';

/**
 * The circuit breakers declared with `@CircuitBreaker`, shared by every process of the cluster:
 * call through one from code outside jobs (`run`), look at them, reset one, open one by hand.
 * @publicApi
 */
@Injectable()
export class CircuitBreakerService {
  private readonly logger = new Logger('Background');
  private readonly store: BreakerStore;

  constructor(
    @Inject(STORAGE_ENGINE) engine: StorageEngine,
    private readonly registry: BreakerRegistry,
    private readonly storage: StorageGateway,
    private readonly events: JobEvents,
  ) {
    this.store = engine.breakers;
  }

  /**
   * Calls `fn` through the breaker `name`, which jobs behind it share: fails fast with
   * `CircuitOpenError` while it is open, lets the call through as a probe while half-open, and
   * counts a failure (or a probe's success) in storage. While the breaker is closed a successful
   * call costs one round trip. If storage cannot be reached the call is made anyway: a breaker
   * whose state is unknown does not stop the dependency from being used.
   */
  async run<T>(name: string, fn: () => T | Promise<T>): Promise<T> {
    const { spec, queue } = this.find('run()', name);
    if (typeof fn !== 'function') throw new InvalidOptionsError(`run('${name}', fn) needs a function to call, got ${typeof fn}.`);
    const token = randomUUID();
    let verdict: 'closed' | 'probe' | 'open' | 'unknown' = 'unknown';
    try {
      const entered = await this.store.enter(queue, spec, token);
      verdict = entered.verdict;
      this.tell(entered.transition);
    } catch (error) {
      this.logger.debug(`Circuit breaker "${name}" could not be read (${(error as Error).message}); the call is made.`);
    }
    if (verdict === 'open') {
      const reading = await this.store.read(queue, spec).catch(() => undefined);
      const retryIn =
        !reading || reading.byHand || reading.openedAt === undefined
          ? undefined
          : Math.max(0, reading.openedAt + spec.resetTimeoutMs - Date.now());
      throw new CircuitOpenError(CIRCUIT_OPEN(name, retryIn), retryIn);
    }
    // a probe keeps its slot however long it runs: no other call or job probes meanwhile
    const release = verdict === 'probe' ? this.store.hold(queue, spec, token) : undefined;
    let result: T;
    try {
      result = await fn();
    } catch (error) {
      release?.();
      if (verdict !== 'unknown') await this.record(queue, name, token, false);
      throw error;
    }
    release?.();
    // a success only matters to a probe: a closed breaker counts failures
    if (verdict === 'probe') await this.record(queue, name, token, true);
    return result;
  }

  /** Every breaker declared in this process, with its state across the cluster. */
  async list(): Promise<CircuitBreakerInfo[]> {
    const declared = this.registry.all();
    const readings = await this.storage.call(Promise.all(declared.map(({ queue, spec }) => this.store.read(queue, spec))));
    return declared.map(({ queue, spec }, index) => {
      const { openedAt, byHand, ...reading } = readings[index]!;
      const { name, ...options } = spec;
      return { name, queue, ...reading, openedAt: openedAt === undefined ? undefined : new Date(openedAt), openedByHand: byHand, options };
    });
  }

  /** Closes the breaker at once, everywhere: the jobs parked behind it run now. */
  async reset(name: string): Promise<void> {
    const { spec, queue } = this.find('reset()', name);
    const transition = await this.storage.call(this.store.set(queue, spec, 'reset'));
    if (!transition) return;
    this.logger.log(`Circuit breaker "${name}" was reset by hand: the jobs that waited behind it run now.`);
    this.emit(transition, queue);
  }

  /** Opens the breaker everywhere until `reset(name)`: jobs behind it wait, calls through it fail fast. */
  async open(name: string): Promise<void> {
    const { spec, queue } = this.find('open()', name);
    const transition = await this.storage.call(this.store.set(queue, spec, 'open'));
    if (!transition) return;
    this.logger.warn(`Circuit breaker "${name}" was opened by hand: jobs behind it wait until reset('${name}').`);
    this.emit(transition, queue);
  }

  private async record(queue: string, name: string, token: string, succeeded: boolean): Promise<void> {
    try {
      this.tell(await this.store.record(queue, this.find('run()', name).spec, token, succeeded));
    } catch (error) {
      this.logger.debug(`Circuit breaker "${name}" could not count the call (${(error as Error).message}).`);
    }
  }

  private tell(transition: BreakerTransition | undefined): void {
    if (!transition) return;
    const declared = this.registry.all();
    logTransition(this.logger, transition, declared.map(({ spec }) => spec));
    this.emit(transition, declared.find(({ spec }) => spec.name === transition.breaker)?.queue ?? '');
  }

  private emit(transition: BreakerTransition, queue: string): void {
    this.events.emit({ type: `breaker.${transition.to}`, breaker: transition.breaker, queue, at: Date.now() });
  }

  private find(method: string, name: string): DeclaredBreaker {
    const found = this.registry.get(name);
    if (!found) {
      throw new InvalidOptionsError(UNKNOWN_BREAKER(`breakers.${method}`, String(name), this.registry.all().map(({ spec }) => spec.name)));
    }
    return found;
  }
}
