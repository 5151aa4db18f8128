import { proxyActivities } from '@temporalio/workflow';
import type { BenchActivities } from './activities.js';
import { createStepRunner, projection, projectionFence } from '../workflows/pipeline/steps.js';

// The worker for the benchmarks bundles Custody's own workflows plus these two.
export * from '../workflows/index.js';

const { noop } = proxyActivities<BenchActivities>({ startToCloseTimeout: '10 seconds' });

/** N no-op steps through the pipeline's real step discipline: recorded as running, then succeeded, as new runs record them. */
export async function stepsBench(input: { runId: string; steps: number }): Promise<void> {
  const step = createStepRunner({ runId: input.runId, runs: projection(true).runs, completed: {}, describe: (e) => ({ type: 'Error', message: String(e) }), fence: projectionFence(true) });
  for (let i = 0; i < input.steps; i++) await step(`noop-${i}`, async () => ({ i: await noop() }));
}

/** The baseline: the same number of bare activities in a minimal workflow. */
export async function bareBench(input: { steps: number }): Promise<void> {
  for (let i = 0; i < input.steps; i++) await noop();
}
