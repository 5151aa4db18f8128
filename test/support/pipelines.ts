import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { parse } from 'yaml';
import { PROJECT_ROOT } from '../../paths.js';
import { parsePipelineSpec, type PipelineSpec, type PipelineSpecInput } from '../../domain/pipeline/spec.js';
import { pipelineWorkflowId } from '../../domain/pipeline/messages.js';
import type { pipeline } from '../../workflows/pipeline/pipeline.js';

/** An example spec from examples/, parsed, with overrides merged on top. */
export function exampleSpec(name: string, overrides: (spec: PipelineSpecInput) => PipelineSpecInput = (s) => s): PipelineSpec {
  const raw = parse(readFileSync(path.join(PROJECT_ROOT, 'examples', name, 'pipeline.yaml'), 'utf8')) as PipelineSpecInput;
  const parsed = parsePipelineSpec(overrides(structuredClone(raw)));
  if (!parsed.ok) throw new Error(`bad test spec: ${JSON.stringify(parsed.issues)}`);
  return parsed.spec;
}

/** Starts a pipeline workflow directly on the client, as an operator could from the Temporal CLI. */
export async function startPipelineWorkflow(
  client: Client,
  taskQueue: string,
  spec: PipelineSpec,
  options: { submittedBy?: string; runId?: string } = {},
): Promise<{ runId: string; handle: WorkflowHandle<typeof pipeline> }> {
  const runId = options.runId ?? randomUUID();
  const handle = await client.workflow.start<typeof pipeline>('pipeline', {
    taskQueue,
    workflowId: pipelineWorkflowId(spec.name, runId),
    args: [{ runId, spec, submittedBy: options.submittedBy ?? 'submitter@example.com' }],
  });
  return { runId, handle };
}

/** Polls `read` until it returns a value that passes `ok`, or fails after `timeoutMs`. */
export async function eventually<T>(read: () => Promise<T>, ok: (value: T) => boolean, timeoutMs = 30_000, intervalMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T;
  do {
    last = await read();
    if (ok(last)) return last;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  } while (Date.now() < deadline);
  throw new Error(`condition not reached within ${timeoutMs} ms; last value: ${JSON.stringify(last)}`);
}
