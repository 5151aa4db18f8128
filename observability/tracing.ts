import { fileURLToPath } from 'node:url';
import { SpanStatusCode, trace, type Span, type Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { Resource } from '@opentelemetry/resources';
import { BatchSpanProcessor, NoopSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import {
  makeWorkflowExporter,
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
  OpenTelemetryWorkflowClientInterceptor,
  type OpenTelemetryWorkflowExporter,
} from '@temporalio/interceptors-opentelemetry';
import type { ActivityInterceptorsFactory, InjectedSinks } from '@temporalio/worker';

/**
 * Traces across the stack with OpenTelemetry: an API request's span, the Temporal client's start of a workflow,
 * the workflow, its activities and their database calls, in one trace (Temporal's OpenTelemetry interceptors on
 * the client and activities, and our own in the workflow (workflow-interceptors.ts), carry the context in headers). Exported over OTLP/HTTP when OTEL_EXPORTER_OTLP_ENDPOINT is
 * set (the standard OTEL_* variables configure the exporter); off otherwise, when every tracer is a no-op.
 */
export interface Tracing {
  processor: SpanProcessor;
  resource: Resource;
  shutdown(): Promise<void>;
}

let installed: Tracing | null = null;

/** The workflow interceptors module: bundled with the workflows, so every workflow carries the trace on. */
export const WORKFLOW_TRACING_MODULE = fileURLToPath(new URL(`./workflow-interceptors${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url));

/** Tracing from the environment: OTLP over HTTP when OTEL_EXPORTER_OTLP_ENDPOINT is set; null (off) otherwise. */
export function tracingFromEnv(service: string, env: NodeJS.ProcessEnv = process.env): Tracing | null {
  if (!env.OTEL_EXPORTER_OTLP_ENDPOINT) return null;
  return installTracing(env.OTEL_SERVICE_NAME ?? service, new BatchSpanProcessor(new OTLPTraceExporter()));
}

/** Registers a tracer provider for this process, once, sending finished spans to `processor`. */
export function installTracing(service: string, processor: SpanProcessor): Tracing {
  if (installed) return installed;
  const resource = new Resource({ 'service.name': service });
  const provider = new NodeTracerProvider({ resource, spanProcessors: [processor] });
  // The AsyncLocalStorage context manager and the W3C trace-context propagator.
  provider.register();
  installed = { processor, resource, shutdown: () => provider.shutdown() };
  return installed;
}

export const tracingInstalled = (): boolean => installed !== null;

export const tracer = (): Tracer => trace.getTracer('custody');

/** Runs `work` in a span of its own (a child of the active one), recording a failure on the span. */
export async function inSpan<T>(name: string, work: (span: Span) => Promise<T>, attributes: Record<string, string> = {}): Promise<T> {
  return await tracer().startActiveSpan(name, { attributes }, async (span) => {
    try {
      return await work(span);
    } catch (error) {
      span.recordException(error as Error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error)?.message });
      throw error;
    } finally {
      span.end();
    }
  });
}

/** The Temporal client's interceptor: starting a workflow is a span, and its context goes in the workflow's headers. */
export const clientTracing = () => ({ workflow: [new OpenTelemetryWorkflowClientInterceptor()] });

/** A worker's part: activity spans (children of the workflow's), trace ids in activity log lines, and the sink workflows export spans to. */
export function workerTracing(): { activity: ActivityInterceptorsFactory; sinks: InjectedSinks<{ exporter: OpenTelemetryWorkflowExporter }> } {
  const { processor, resource } = installed ?? { processor: new NoopSpanProcessor(), resource: Resource.empty() };
  return {
    activity: (ctx) => ({ inbound: new OpenTelemetryActivityInboundInterceptor(ctx), outbound: new OpenTelemetryActivityOutboundInterceptor(ctx) }),
    sinks: { exporter: makeWorkflowExporter(processor, resource) },
  };
}

/**
 * The repositories with each method call in a span of its own (`db runs.updateRun`), a child of whatever is
 * active: the database's part of a trace. The repositories as they are while tracing is off.
 */
export function tracedRepositories<T extends Record<string, object>>(repositories: T): T {
  if (!installed) return repositories;
  return Object.fromEntries(Object.entries(repositories).map(([name, repository]) => [name, tracedMethods(name, repository)])) as T;
}

function tracedMethods<R extends object>(name: string, repository: R): R {
  return new Proxy(repository, {
    get(target, key, receiver) {
      const value: unknown = Reflect.get(target, key, receiver);
      if (typeof value !== 'function' || typeof key !== 'string' || key === 'constructor') return value;
      return (...args: unknown[]) => inSpan(`db ${name}.${key}`, async () => await (value as (...a: unknown[]) => unknown).apply(target, args), { 'db.system': 'postgresql' });
    },
  });
}
