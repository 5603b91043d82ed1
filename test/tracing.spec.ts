import { Injectable } from '@nestjs/common';
import { context, propagation, trace, type Span } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { Job, OnEvent } from '../lib/index.js';
import { RedisServer } from './support/redis-server.js';
import { createTestApp, type TestApp } from './support/test-app.js';

@Injectable()
class TracedJobs {
  @Job('traced')
  traced(data: { fail?: boolean }) {
    // the handler's own spans are children of the job's span
    trace.getTracer('app').startSpan('inside the handler').end();
    if (data.fail) throw new Error('traced failure');
    return 'done';
  }
}

@Injectable()
class TracedSubscribers {
  @OnEvent('signup.done', { name: 'welcome.mail' })
  welcome() {
    return 'sent';
  }
}

describe('trace propagation with OpenTelemetry', () => {
  const exporter = new InMemorySpanExporter();
  const contextManager = new AsyncLocalStorageContextManager();
  let server: RedisServer;
  let app: TestApp | undefined;

  beforeAll(async () => {
    context.setGlobalContextManager(contextManager.enable());
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
    server = await RedisServer.start();
  });

  afterEach(async () => {
    await app?.close();
    exporter.reset();
  });

  afterAll(async () => {
    trace.disable();
    propagation.disable();
    context.disable();
    await server.stop();
  });

  for (const storage of ['redis', 'memory'] as const) {
    it(`runs the job in a child span of the span that enqueued it (${storage})`, async () => {
      app = await createTestApp({ storage, connection: server.url, prefix: 'trace', defaults: { attempts: 1 } }, [TracedJobs]);
      const jobs = app.jobs;
      const request = await trace.getTracer('app').startActiveSpan('POST /signup', async (span: Span) => {
        const { id } = await jobs.enqueue('traced', {});
        span.end();
        return { id, context: span.spanContext() };
      });
      await expect(jobs.waitFor(request.id)).resolves.toBe('done');
      const spans = exporter.getFinishedSpans();
      const job = spans.find((span) => span.name === 'traced process')!;
      expect(job.spanContext().traceId).toBe(request.context.traceId);
      expect(job.parentSpanContext?.spanId).toBe(request.context.spanId);
      expect(job.attributes).toMatchObject({ 'messaging.message.id': request.id, 'job.name': 'traced', 'job.attempt': 1 });
      const inner = spans.find((span) => span.name === 'inside the handler')!;
      expect(inner.parentSpanContext?.spanId).toBe(job.spanContext().spanId);
    });
  }

  it("runs each subscriber of an emitted event in a child span of the emitter's span", async () => {
    app = await createTestApp({ connection: server.url, prefix: 'trace3', defaults: { attempts: 1 } }, [TracedSubscribers]);
    const jobs = app.jobs;
    const request = await trace.getTracer('app').startActiveSpan('POST /signup', async (span: Span) => {
      const emitted = await jobs.emit('signup.done', { user: 7 });
      span.end();
      return { emitted, context: span.spanContext() };
    });
    await expect(jobs.waitFor(request.emitted.jobIds[0]!)).resolves.toBe('sent');
    const job = exporter.getFinishedSpans().find((span) => span.name === 'welcome.mail process')!;
    expect(job.spanContext().traceId).toBe(request.context.traceId);
    expect(job.parentSpanContext?.spanId).toBe(request.context.spanId);
  });

  it('records a failed attempt on its span; a job enqueued outside any trace starts its own', async () => {
    app = await createTestApp({ connection: server.url, prefix: 'trace2', defaults: { attempts: 1 } }, [TracedJobs]);
    const { id } = await app.jobs.enqueue('traced', { fail: true });
    await expect(app.jobs.waitFor(id)).rejects.toThrow('traced failure');
    const job = exporter.getFinishedSpans().find((span) => span.name === 'traced process')!;
    expect(job.parentSpanContext).toBeUndefined();
    expect(job.status).toEqual({ code: 2, message: 'traced failure' });
    expect(job.events.map((event) => event.name)).toEqual(['exception']);
  });
});
