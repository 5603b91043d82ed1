import { Injectable } from '@nestjs/common';
import { ContextIdFactory, ModuleRef } from '@nestjs/core';
import { Injector } from '@nestjs/core/injector/injector.js';
import type { InstanceWrapper } from '@nestjs/core/injector/instance-wrapper.js';
import { BackgroundContextCreator } from './background-context.creator.js';
import type { JobContext } from './interfaces/job-context.interface.js';

type Handler = (data: unknown, ctx: JobContext) => unknown;
type Instance = Record<string, (...args: unknown[]) => unknown>;

/**
 * The instance a discovered method runs on. A singleton's is bound once, at discovery. A
 * request-scoped provider (or a singleton that depends on one, such as `REQUEST`) gets an
 * instance of its own per job, resolved through a context id, as `@nestjs/microservices` and
 * `@nestjs/event-emitter` do per message: the job's payload is the `REQUEST` of that context, and
 * a `durable: true` provider follows the application's `ContextIdStrategy`.
 */
@Injectable()
export class BackgroundInstanceResolver {
  private readonly injector = new Injector();

  constructor(
    private readonly moduleRef: ModuleRef,
    private readonly contextCreator: BackgroundContextCreator,
  ) {}

  /** Whether `wrapper` needs an instance per job: it, or one of its dependencies, is request-scoped. */
  perJob(wrapper: InstanceWrapper): boolean {
    return !wrapper.isDependencyTreeStatic();
  }

  /**
   * What the worker calls to run job `name` on `wrapper`'s `method`, with its enhancers (see
   * BackgroundContextCreator). `inheritContext`: the payload is the request whose context id the
   * instance takes (see `resolve`).
   */
  invoker(wrapper: InstanceWrapper, method: string, target: string, name: string, withContext = true, inheritContext = false): Handler {
    if (!this.perJob(wrapper)) return this.contextCreator.create(wrapper.instance as Instance, method, target, name, withContext);
    // a durable provider's instance serves many jobs: its enhancers are bound once, as a singleton's
    const bound = new WeakMap<object, Handler>();
    return async (data, ctx) => {
      const instance = await this.resolve(wrapper, data, inheritContext);
      let handler = bound.get(instance);
      if (!handler) {
        handler = this.contextCreator.create(instance, method, target, name, withContext);
        bound.set(instance, handler);
      }
      return handler(data, ctx);
    };
  }

  /** A plain call of `method` with one argument (an instance-scoped schedule's tick, a job event for a hook). */
  caller<T>(wrapper: InstanceWrapper, method: string): (arg: T) => unknown {
    if (!this.perJob(wrapper)) {
      const instance = wrapper.instance as Instance;
      return (arg) => instance[method]!(arg);
    }
    return async (arg) => (await this.resolve(wrapper, arg))[method]!(arg);
  }

  /**
   * An instance of `wrapper` for one job, in a context of its own where `REQUEST` is `payload`;
   * with `inheritContext`, in the payload's own context when it is a request that has one (a
   * local `emitAsync(event, request)` inside that request), as `@nestjs/event-emitter`'s
   * `inheritRequestContextId` does. A stored payload never has one: a job gets a context of its own.
   */
  async resolve(wrapper: InstanceWrapper, payload: unknown, inheritContext = false): Promise<Instance> {
    // the payload is wrapped, as @nestjs/event-emitter wraps it, so that a ContextIdStrategy sees it in `attach`
    const contextId =
      inheritContext && typeof payload === 'object' && payload !== null
        ? ContextIdFactory.getByRequest(payload as Record<string, unknown>)
        : ContextIdFactory.getByRequest({ payload });
    this.moduleRef.registerRequestByContextId(payload, contextId);
    const host = wrapper.host!;
    const collection = host.controllers.get(wrapper.token) === wrapper ? host.controllers : host.providers;
    return this.injector.loadPerContext(wrapper.instance as Instance, host, collection as Map<unknown, InstanceWrapper> as never, contextId, wrapper);
  }
}
