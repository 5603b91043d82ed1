import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import type { ClaimedJob } from '../engine/storage-engine.interface.js';
import { readThrown } from '../worker/thrown-value.js';
import { jobLabel } from '../logging/printable.js';

/** `@opentelemetry/api`, an optional peer: only its type is named here, never loaded unless installed. */
type OtelApi = typeof import('@opentelemetry/api');

/** The API's one module name, in a variable so that bundlers leave the optional import alone. */
const OTEL_API = '@opentelemetry/api';

/**
 * Trace propagation with OpenTelemetry, when `@opentelemetry/api` is installed: `enqueue` stores
 * the active trace context with the job (the W3C propagator's carrier, as JSON), and the handler
 * runs in a child span of it. Without the API nothing is stored and the handler is called as is.
 */
@Injectable()
export class JobTracer implements OnModuleInit {
  private readonly logger = new Logger('Background');
  private api: OtelApi | null = null;

  async onModuleInit(): Promise<void> {
    try {
      this.api = (await import(OTEL_API)) as OtelApi;
    } catch {
      // not installed: tracing is off and costs nothing
    }
  }

  /** The active context as a carrier to store with a new job, or undefined when there is none. */
  carrier(): string | undefined {
    const api = this.api;
    if (!api || !api.trace.getSpan(api.context.active())) return undefined;
    const carrier: Record<string, string> = {};
    api.propagation.inject(api.context.active(), carrier);
    return Object.keys(carrier).length > 0 ? JSON.stringify(carrier) : undefined;
  }

  /** Runs `fn` (one attempt of `job`) in a span, the child of the context stored at enqueue. */
  run(job: ClaimedJob, queue: string, fn: () => unknown): unknown {
    const api = this.api;
    if (!api) return fn();
    let parent = api.ROOT_CONTEXT;
    try {
      if (job.trace) parent = api.propagation.extract(api.ROOT_CONTEXT, JSON.parse(job.trace) as Record<string, string>);
    } catch (error) {
      this.logger.debug(`${jobLabel(job)} has an unreadable trace context: ${(error as Error).message}`);
    }
    const attributes = {
      'messaging.system': 'nestjs-background',
      'messaging.destination.name': queue,
      'messaging.message.id': job.id,
      'job.name': job.name,
      'job.attempt': job.attempt,
    };
    const tracer = api.trace.getTracer('nestjs-background');
    const span = tracer.startSpan(`${job.name} process`, { kind: api.SpanKind.CONSUMER, attributes }, parent);
    // the API without an SDK (often installed by other libraries) makes spans that record nothing:
    // with no trace to carry on either, the handler runs as it would without the API
    if (!span.isRecording() && !job.trace) {
      span.end();
      return fn();
    }
    return api.context.with(api.trace.setSpan(parent, span), async () => {
      try {
        const result = await fn();
        span.setStatus({ code: api.SpanStatusCode.OK });
        return result;
      } catch (error) {
        const { name, message, stack } = readThrown(error);
        span.recordException({ name, message, stack });
        span.setStatus({ code: api.SpanStatusCode.ERROR, message });
        throw error;
      } finally {
        span.end();
      }
    });
  }
}
