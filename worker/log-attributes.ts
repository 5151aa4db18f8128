import { isSpanContextValid, trace } from '@opentelemetry/api';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';

/** The run an activity works for, from its input (`{ runId }`, as every pipeline activity takes). */
function runIdOf(args: unknown[]): string | undefined {
  const first = args[0] as { runId?: unknown } | undefined;
  return typeof first?.runId === 'string' ? first.runId : undefined;
}

/**
 * Adds the Custody run id to every log line an activity writes, beside the workflow id, activity type and
 * attempt the SDK adds, so one grep finds a run's lines across workers; with tracing on, the activity's trace and
 * span ids too, on every line of it (the SDK's own, written after the span ends, included). Runs inside the
 * tracing interceptor, so the activity's span is the active one when it starts.
 */
export const runIdInLogs: ActivityInterceptorsFactory = () => {
  let attributes: Record<string, string> = {};
  return {
    inbound: {
      async execute(input, next) {
        const runId = runIdOf(input.args);
        const span = trace.getActiveSpan()?.spanContext();
        attributes = {
          ...(runId ? { custodyRunId: runId } : {}),
          ...(span && isSpanContextValid(span) ? { trace_id: span.traceId, span_id: span.spanId } : {}),
        };
        return await next(input);
      },
    },
    outbound: {
      getLogAttributes(input, next) {
        return next({ ...input, ...attributes });
      },
    },
  };
};
