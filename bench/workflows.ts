import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { PipelineSpec } from '../domain/pipeline/spec.js';
import type { BenchActivities } from './activities.js';
import { Changes } from '../workflows/pipeline/changes.js';
import { train } from '../workflows/pipeline/train.js';
import { createRollout, drawPrivacy, evaluate, registerDataset, registerModel, validate } from '../workflows/pipeline/work.js';
import { createStepRunner, projection, projectionFence, projectionWriter } from '../workflows/pipeline/steps.js';

// The worker for the benchmarks bundles Custody's own workflows plus these two.
export * from '../workflows/index.js';

const { noop } = proxyActivities<BenchActivities>({ startToCloseTimeout: '10 seconds' });

/** N no-op steps through the pipeline's real step discipline: recorded as running, then succeeded, as new runs record them. */
export async function stepsBench(input: { runId: string; steps: number }): Promise<void> {
  const changes = Changes.ofThisRun();
  const writer = projectionWriter(projection(true).runs, input.runId, true, true);
  const fence = projectionFence(true);
  const step = createStepRunner({ runId: input.runId, writer, completed: {}, describe: (e) => ({ type: 'Error', message: String(e) }), fence, changes });
  for (let i = 0; i < input.steps; i++) await step(`noop-${i}`, async () => ({ i: await noop() }));
  // The last step's success goes with the run's next write; a run always makes one as it ends.
  await writer.now({ run: { runId: input.runId, status: 'succeeded', finished: true, fence: fence() } });
}

/** The baseline: the same number of bare activities in a minimal workflow. */
export async function bareBench(input: { steps: number }): Promise<void> {
  for (let i = 0; i < input.steps; i++) await noop();
}

/**
 * A small pipeline's work without Custody's orchestration: the same activities with the same inputs, in order, in
 * a minimal workflow (no projection writes, gates, search attributes or patch markers). The run's row must exist.
 */
export async function workBench(input: { runId: string; spec: PipelineSpec }): Promise<void> {
  const { runId, spec } = input;
  const changes = Changes.all();
  const dataset = await registerDataset(spec, 'bench');
  await validate(spec, dataset);
  await drawPrivacy(spec, runId, dataset, 'bench');
  const training = await train(spec, runId, dataset, () => {}, true, changes);
  const evaluated = await evaluate(spec, training, dataset, changes);
  const version = await registerModel(spec, runId, training, dataset, evaluated);
  const { workflowId, runId: executionId } = workflowInfo();
  await createRollout(spec, runId, `${workflowId}:${executionId}`, dataset, changes).production(version, spec.deployment.production, []);
}
