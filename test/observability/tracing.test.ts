import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installTracing } from '../../observability/tracing.js';
import { eventually, exampleSpec } from '../support/pipelines.js';
import { startStack, type TestStack } from '../support/stack.js';

// Installed before the stack starts, as an entry point installs it before anything else: every span ends up here.
const spans = new InMemorySpanExporter();
installTracing('custody-test', new SimpleSpanProcessor(spans));

describe('traces', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startStack();
  }, 120_000);
  afterAll(async () => {
    await stack?.stop();
  });

  it('follow one submission from the GraphQL mutation through the workflow to a training activity and the database, in one trace', { timeout: 120_000 }, async () => {
    const spec = exampleSpec('iris', (s) => ({ ...s, name: 'traced', model: 'traced', gates: [] }));
    const submitted = await stack.api.gql<{ submitPipeline: { id: string } }>('mutation($input: SubmitPipelineInput!) { submitPipeline(input: $input) { id } }', { input: { spec } });
    expect(submitted.errors).toBeUndefined();
    const runId = submitted.data!.submitPipeline.id;
    // The workflow's own span ends when the run does; it reaches the exporter through the worker's sink.
    await eventually(async () => spans.getFinishedSpans(), (all) => all.some((s) => s.name === 'RunWorkflow:pipeline'), 90_000);

    const all = spans.getFinishedSpans();
    const root = all.find((s) => s.name === 'graphql mutation submitPipeline')!;
    expect(root).toBeDefined();
    const trace = all.filter((s) => s.spanContext().traceId === root.spanContext().traceId);
    const names = trace.map((s) => s.name);
    expect(names).toEqual(expect.arrayContaining(['UpdateWithStartWorkflow:recorded', 'RunWorkflow:pipeline', 'RunActivity:trainCandidate', 'RunActivity:evaluateCandidate']));
    expect(names.some((name) => name.startsWith('db '))).toBe(true);
    // Connected: every span of the trace but its root has its parent in the trace.
    const ids = new Set(trace.map((s) => s.spanContext().spanId));
    const orphans = trace.filter((s) => s !== root && !ids.has(parentOf(s)!));
    expect(orphans.map((s) => s.name)).toEqual([]);
    // The workflow is the client's child, the activities are the workflow's, and the database calls the activities'.
    const workflow = trace.find((s) => s.name === 'RunWorkflow:pipeline')!;
    expect(parentOf(workflow)).toBe(trace.find((s) => s.name === 'UpdateWithStartWorkflow:recorded')!.spanContext().spanId);
    const training = trace.find((s) => s.name === 'RunActivity:trainCandidate')!;
    expect(parentOf(training)).toBe(workflow.spanContext().spanId);
    expect(trace.some((s) => s.name.startsWith('db ') && parentOf(s) === training.spanContext().spanId)).toBe(true);
    expect((await stack.api.gql<{ pipelineRun: { status: string } }>('query($id: ID!) { pipelineRun(input: { runId: $id }) { status } }', { id: runId })).data!.pipelineRun.status).toBe('succeeded');
  });
});

function parentOf(span: ReadableSpan): string | undefined {
  return span.parentSpanId;
}
