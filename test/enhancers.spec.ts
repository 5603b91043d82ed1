import {
  Catch,
  Injectable,
  SetMetadata,
  UseFilters,
  UseGuards,
  UseInterceptors,
  UsePipes,
  type ArgumentMetadata,
  type ArgumentsHost,
  type CallHandler,
  type CanActivate,
  type ExceptionFilter,
  type ExecutionContext,
  type NestInterceptor,
  type PipeTransform,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { map, type Observable } from 'rxjs';
import {
  Job,
  JobFailedError,
  type BackgroundContextType,
  type BackgroundModuleOptions,
  type JobContext,
} from '../lib/index.js';
import { JobHandlerRegistry } from '../lib/registry/job-handler.registry.js';
import { RedisServer } from './support/redis-server.js';
import { createTestApp, type TestApp } from './support/test-app.js';

/** What an enhancer saw of one call. */
interface Seen {
  type: string;
  className: string;
  handler: string;
  data: unknown;
  jobId: string;
  attempt: number;
}

const seen: Seen[] = [];

function see(context: ExecutionContext | ArgumentsHost): Seen {
  const rpc = context.switchToRpc();
  const ctx = rpc.getContext<JobContext>();
  const execution = context as ExecutionContext;
  return {
    type: context.getType<BackgroundContextType>(),
    // an exception filter's ArgumentsHost has neither
    className: execution.getClass?.()?.name,
    handler: execution.getHandler?.()?.name,
    data: rpc.getData(),
    jobId: ctx.id,
    attempt: ctx.attempt,
  };
}

@Injectable()
class WrapResult implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    seen.push(see(context));
    return next.handle().pipe(map((result) => ({ wrapped: result })));
  }
}

const Tenant = (tenant: string) => SetMetadata('tenant', tenant);

/** Lets through the jobs whose payload names the tenant the handler declares with @Tenant. */
@Injectable()
class TenantGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    seen.push(see(context));
    const tenant = this.reflector.get<string>('tenant', context.getHandler());
    return context.switchToRpc().getData<{ tenant: string }>().tenant === tenant;
  }
}

class PaymentDeclined extends Error {}

@Catch(PaymentDeclined)
class TranslateDeclined implements ExceptionFilter {
  catch(error: PaymentDeclined, host: ArgumentsHost): never {
    seen.push(see(host));
    throw new Error(`Card declined (${error.message}); ask the customer for another card`);
  }
}

@Catch()
class FallBackToCache implements ExceptionFilter {
  catch(_error: Error, host: ArgumentsHost): unknown {
    return { rate: 1, from: 'cache', job: host.switchToRpc().getContext<JobContext>().name };
  }
}

const pipeSaw: ArgumentMetadata['type'][] = [];

/** Trims the payload's text; leaves the context (which pipes see as 'custom') as it is. */
class TrimText implements PipeTransform {
  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    pipeSaw.push(metadata.type);
    if (metadata.type !== 'body') return value;
    const { text } = value as { text: unknown };
    if (typeof text !== 'string') throw new TypeError('text must be a string');
    return { text: text.trim() };
  }
}

@Injectable()
@UseInterceptors(WrapResult)
class ReportJobs {
  @Job('report.build')
  build(data: { pages: number }, ctx: JobContext) {
    return { pages: data.pages, attempt: ctx.attempt };
  }

  @Job('report.tenant')
  @Tenant('acme')
  @UseGuards(TenantGuard)
  forTenant(data: { tenant: string }) {
    return data.tenant;
  }
}

@Injectable()
class BillingJobs {
  @Job('billing.charge')
  @UseFilters(new TranslateDeclined())
  charge(data: { card: string }): never {
    throw new PaymentDeclined(data.card);
  }

  @Job('billing.rate')
  @UseFilters(new FallBackToCache())
  rate(): never {
    throw new Error('rates service down');
  }

  @Job('billing.memo')
  @UsePipes(new TrimText())
  memo(data: { text: string }, ctx: JobContext) {
    return { text: data.text, job: ctx.name };
  }

  @Job('billing.plain')
  plain(data: { n: number }) {
    return data.n * 2;
  }
}

// an instance: Nest makes enhancer classes injectable only for the classes it instantiates itself
@UseInterceptors(new WrapResult())
class AuditJobs {
  @Job('audit.record')
  record(data: { entry: string }) {
    return data.entry;
  }
}

const MEMORY: BackgroundModuleOptions = { storage: 'memory', defaults: { backoff: { type: 'fixed', delayMs: 1, jitter: false } } };

describe('enhancers on job handlers', () => {
  let app: TestApp;

  beforeEach(() => void (seen.length = pipeSaw.length = 0));
  afterEach(() => app?.close());

  it('runs an interceptor of the class around each call, with the payload and JobContext, and stores what it returns', async () => {
    app = await createTestApp(MEMORY, [ReportJobs]);
    const first = await app.jobs.enqueue('report.build', { pages: 3 });
    const second = await app.jobs.enqueue('report.build', { pages: 5 });

    await expect(app.jobs.waitFor(first.id)).resolves.toEqual({ wrapped: { pages: 3, attempt: 1 } });
    await expect(app.jobs.waitFor(second.id)).resolves.toEqual({ wrapped: { pages: 5, attempt: 1 } });
    expect((await app.jobs.getJob(first.id))?.result).toEqual({ wrapped: { pages: 3, attempt: 1 } });
    expect(seen).toEqual([
      { type: 'background', className: 'ReportJobs', handler: 'build', data: { pages: 3 }, jobId: first.id, attempt: 1 },
      { type: 'background', className: 'ReportJobs', handler: 'build', data: { pages: 5 }, jobId: second.id, attempt: 1 },
    ]);
  });

  it('finds the class’s enhancers on a provider made by a factory', async () => {
    app = await createTestApp(MEMORY, [{ provide: 'AUDIT', useFactory: () => new AuditJobs() }]);
    const { id } = await app.jobs.enqueue('audit.record', { entry: 'login' });

    await expect(app.jobs.waitFor(id)).resolves.toEqual({ wrapped: 'login' });
  });

  it('fails the attempt of a job a guard refuses, saying so, and retries it like any failure', async () => {
    app = await createTestApp(MEMORY, [ReportJobs]);
    const allowed = await app.jobs.enqueue('report.tenant', { tenant: 'acme' });
    const refused = await app.jobs.enqueue('report.tenant', { tenant: 'globex' }, { attempts: 2 });

    await expect(app.jobs.waitFor(allowed.id)).resolves.toEqual({ wrapped: 'acme' });
    const message =
      'A guard of ReportJobs@forTenant refused job "report.tenant" (its canActivate() returned false), so the handler did not run; the attempt failed. Let the job through, or throw an error from the guard that says why.';
    await expect(app.jobs.waitFor(refused.id)).rejects.toThrow(new JobFailedError(`Job "${refused.id}" (report.tenant) failed for good: ${message}`));
    const job = await app.jobs.getJob(refused.id);
    expect(job).toMatchObject({ state: 'dead', attempts: 2, deadReason: 'attempts exhausted' });
    expect(job?.errors.map(({ attempt, name, message }) => ({ attempt, name, message }))).toEqual([
      { attempt: 1, name: 'JobForbiddenError', message },
      { attempt: 2, name: 'JobForbiddenError', message },
    ]);
    // the guard reads the handler's @SetMetadata through Reflector, in a context of type 'background'
    expect(seen.filter(({ data }) => (data as { tenant: string }).tenant === 'globex')).toEqual([
      { type: 'background', className: 'ReportJobs', handler: 'forTenant', data: { tenant: 'globex' }, jobId: refused.id, attempt: 1 },
      { type: 'background', className: 'ReportJobs', handler: 'forTenant', data: { tenant: 'globex' }, jobId: refused.id, attempt: 2 },
    ]);
  });

  it('records the error an exception filter throws instead of the handler’s', async () => {
    app = await createTestApp(MEMORY, [BillingJobs]);
    const { id } = await app.jobs.enqueue('billing.charge', { card: '4242' }, { attempts: 1 });

    await expect(app.jobs.waitFor(id)).rejects.toThrow('Card declined (4242); ask the customer for another card');
    const job = await app.jobs.getJob(id);
    expect(job?.errors).toMatchObject([{ attempt: 1, name: 'Error', message: 'Card declined (4242); ask the customer for another card' }]);
    expect(seen).toEqual([
      { type: 'background', className: undefined, handler: undefined, data: { card: '4242' }, jobId: id, attempt: 1 },
    ]);
  });

  it('completes the job with what an exception filter returns: the filter handled the error', async () => {
    app = await createTestApp(MEMORY, [BillingJobs]);
    const { id } = await app.jobs.enqueue('billing.rate', {}, { attempts: 1 });

    await expect(app.jobs.waitFor(id)).resolves.toEqual({ rate: 1, from: 'cache', job: 'billing.rate' });
    expect(await app.jobs.getJob(id)).toMatchObject({ state: 'completed', errors: [] });
  });

  it('passes the payload through pipes, and fails the attempt with the error a pipe throws', async () => {
    app = await createTestApp(MEMORY, [BillingJobs]);
    const trimmed = await app.jobs.enqueue('billing.memo', { text: '  paid in full  ' });
    const invalid = await app.jobs.enqueue('billing.memo', { text: 42 }, { attempts: 1 });

    await expect(app.jobs.waitFor(trimmed.id)).resolves.toEqual({ text: 'paid in full', job: 'billing.memo' });
    // the payload as 'body', the JobContext as 'custom'
    expect([...new Set(pipeSaw)].sort()).toEqual(['body', 'custom']);
    await expect(app.jobs.waitFor(invalid.id)).rejects.toThrow(JobFailedError);
    expect((await app.jobs.getJob(invalid.id))?.errors).toMatchObject([{ name: 'TypeError', message: 'text must be a string' }]);
  });

  it('calls a handler without enhancers directly, and wraps every handler once the application has a global one', async () => {
    app = await createTestApp(MEMORY, [BillingJobs]);
    const ctx = {} as JobContext;
    // a wrapped handler always returns a promise; the plain one returns its own value
    expect(app.app.get(JobHandlerRegistry).get('billing.plain')!.invoke({ n: 2 }, ctx)).toBe(4);
    await app.close();

    app = await createTestApp(MEMORY, [BillingJobs], (nest) => nest.useGlobalInterceptors(new WrapResult()));
    const wrapped = app.app.get(JobHandlerRegistry).get('billing.plain')!.invoke({ n: 2 }, ctx);
    expect(wrapped).toBeInstanceOf(Promise);
    await expect(wrapped).resolves.toEqual({ wrapped: 4 });
    seen.length = 0;
    const { id } = await app.jobs.enqueue('billing.plain', { n: 21 });
    await expect(app.jobs.waitFor(id)).resolves.toEqual({ wrapped: 42 });
    expect(seen).toMatchObject([{ type: 'background', className: 'BillingJobs', handler: 'plain', data: { n: 21 }, jobId: id }]);
  });
});

describe('enhancers on job handlers, on Redis', () => {
  let redis: RedisServer;
  let app: TestApp;

  beforeAll(async () => (redis = await RedisServer.start()));
  afterAll(() => redis.destroy());
  beforeEach(() => void (seen.length = 0));
  afterEach(() => app?.close());

  it('runs interceptors and guards the same way', async () => {
    app = await createTestApp({ ...MEMORY, storage: 'redis', connection: redis.url }, [ReportJobs]);
    const built = await app.jobs.enqueue('report.build', { pages: 2 });
    const refused = await app.jobs.enqueue('report.tenant', { tenant: 'globex' }, { attempts: 1 });

    await expect(app.jobs.waitFor(built.id)).resolves.toEqual({ wrapped: { pages: 2, attempt: 1 } });
    await expect(app.jobs.waitFor(refused.id)).rejects.toThrow(JobFailedError);
    expect((await app.jobs.getJob(refused.id))?.errors).toMatchObject([
      { attempt: 1, name: 'JobForbiddenError', message: expect.stringContaining('A guard of ReportJobs@forTenant refused job "report.tenant"') },
    ]);
    expect(seen).toContainEqual({ type: 'background', className: 'ReportJobs', handler: 'build', data: { pages: 2 }, jobId: built.id, attempt: 1 });
  });
});
