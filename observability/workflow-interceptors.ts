/**
 * Tracing inside workflows, made for replay. Temporal's stock OpenTelemetry workflow interceptors would break runs
 * begun without them: they make span ids with Math.random, which in a workflow is the seeded generator `uuid4()`
 * reads too, and they add awaits around every scheduled activity, which can reorder commands. These add neither:
 * the workflow's span takes ids from its run id and a counter, and every outbound call passes straight through with
 * the trace context put in its headers, so activities and child workflows join the trace as the workflow's
 * children. Bundled into the workflow sandbox (not a workflow itself).
 */
// First: it gives the sandbox the `performance` global OpenTelemetry reads as its modules load.
import '@temporalio/interceptors-opentelemetry/lib/workflow/runtime.js';
import { context, SpanStatusCode, trace } from '@opentelemetry/api';
import { BasicTracerProvider, SimpleSpanProcessor, type IdGenerator } from '@opentelemetry/sdk-trace-base';
import { extractContextFromHeaders, headersWithContext } from '@temporalio/interceptors-opentelemetry/lib/instrumentation.js';
import { ContextManager } from '@temporalio/interceptors-opentelemetry/lib/workflow/context-manager.js';
import { SpanExporter } from '@temporalio/interceptors-opentelemetry/lib/workflow/span-exporter.js';
import { ContinueAsNew, workflowInfo, type WorkflowInterceptors, type WorkflowOutboundCallsInterceptor } from '@temporalio/workflow';

let counter = 0;

/** A 32-bit FNV-1a hash of a string, as 8 hex digits. */
function hash8(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h.toString(16).padStart(8, '0');
}

/** A trace started here is named by the run (its id's 32 hex digits); a span by the run and a counter. */
const ids: IdGenerator = {
  generateTraceId: () => workflowInfo().runId.replace(/-/g, '').padEnd(32, '0').slice(0, 32),
  generateSpanId: () => `${hash8(workflowInfo().runId)}${(++counter >>> 0).toString(16).padStart(8, '0')}`,
};

let contextManager: ContextManager | undefined;
let tracer: ReturnType<BasicTracerProvider['getTracer']> | undefined;

/** The sandbox's tracer: its spans go to the worker through the `exporter` sink. */
function workflowTracer() {
  if (!tracer) {
    contextManager = new ContextManager();
    const provider = new BasicTracerProvider({ idGenerator: ids });
    provider.addSpanProcessor(new SimpleSpanProcessor(new SpanExporter()));
    provider.register({ contextManager });
    tracer = provider.getTracer('custody-workflow');
  }
  return tracer;
}

/** Passes an outbound call straight on, with the active trace context in its headers. */
const withContext =
  <K extends 'scheduleActivity' | 'scheduleLocalActivity' | 'startChildWorkflowExecution' | 'continueAsNew' | 'signalWorkflow'>(_: K) =>
  (input: Parameters<NonNullable<WorkflowOutboundCallsInterceptor[K]>>[0], next: Parameters<NonNullable<WorkflowOutboundCallsInterceptor[K]>>[1]) =>
    (next as (i: typeof input) => unknown)({ ...input, headers: headersWithContext(input.headers) });

export const interceptors = (): WorkflowInterceptors => ({
  inbound: [
    {
      // The workflow's span, a child of whoever started it. The promise the SDK awaits is the workflow's own, so
      // no tick is added; the span ends beside it.
      execute(input, next) {
        const span = workflowTracer().startSpan(`RunWorkflow:${workflowInfo().workflowType}`, { attributes: { temporalWorkflowId: workflowInfo().workflowId } }, extractContextFromHeaders(input.headers));
        const result = context.with(trace.setSpan(extractContextFromHeaders(input.headers) ?? context.active(), span), () => next(input));
        result.then(
          () => span.end(),
          (error: unknown) => {
            if (!(error instanceof ContinueAsNew)) span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error)?.message });
            span.end();
          },
        );
        return result;
      },
    },
  ],
  outbound: [
    {
      scheduleActivity: withContext('scheduleActivity'),
      scheduleLocalActivity: withContext('scheduleLocalActivity'),
      startChildWorkflowExecution: withContext('startChildWorkflowExecution'),
      continueAsNew: withContext('continueAsNew'),
      signalWorkflow: withContext('signalWorkflow'),
    } as WorkflowOutboundCallsInterceptor,
  ],
  internals: [
    {
      dispose(input, next) {
        contextManager?.disable();
        next(input);
      },
    },
  ],
});
