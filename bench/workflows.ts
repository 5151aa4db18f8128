import { proxyActivities } from '@temporalio/workflow';
import type { BenchActivities } from './activities.js';
import { Changes } from '../workflows/pipeline/changes.js';
import { createStepRunner, projection, projectionFence, projectionWriter } from '../workflows/pipeline/steps.js';

// The worker for the benchmarks bundles Custody's own workflows plus these two.
export * from '../workflows/index.js';

const { noop } = proxyActivities<BenchActivities>({ startToCloseTimeout: '10 seconds' });

/** N no-op steps through the pipeline's real step discipline: recorded as running, then succeeded, as new runs record them. */
export async function stepsBench(input: { runId: string; steps: number }): Promise<void> {
  const changes = Changes.ofThisRun();
  const writer = projectionWriter(projection(true).runs, input.runId, true);
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
