import { seededRandom } from '../domain/random.js';
import type { PipelineSpecInput } from '../domain/pipeline/spec.js';
import type { Cluster } from './cluster.js';

/** The kinds of run the load submits, and what each should end as. */
export const SHAPES = ['pass', 'invalid', 'approve', 'reject', 'cancel', 'resume'] as const;
export type Shape = (typeof SHAPES)[number];

export interface Acknowledged {
  runId: string;
  shape: Shape;
}

export interface LoadStats {
  submitted: number;
  acknowledged: Acknowledged[];
  /** Submissions whose answer never came (the API died mid-request, say): they may or may not exist, once. */
  unanswered: number;
  decisions: number;
  /** Runs of the resume shape cancelled mid-training and then resumed. */
  resumed: number;
  predictions: number;
  /** Predictions whose true outcome was recorded, acknowledged. */
  labelled: string[];
  /** The last reason the gate deciders could not read the runs (the API down, say). */
  lastSteeringError?: string;
}

export const MODELS = ['faults-a', 'faults-b', 'faults-c'];

/** A spec of `shape` on the registered iris data, deploying to one of a few shared models. */
export function specOf(shape: Shape, index: number): PipelineSpecInput {
  const model = MODELS[index % MODELS.length]!;
  const slow = shape === 'cancel' || shape === 'resume';
  // A run to resume trains for seconds, so it is caught in training, cancelled, resumed, and then finishes.
  const sleepMs = shape === 'resume' ? 8000 : 60_000;
  return {
    name: `faults-${shape}`,
    model,
    dataset: { name: 'iris', version: 1 },
    task: 'classification',
    target: 'species',
    ...(shape === 'invalid' ? { validation: { minRows: 1000 } } : {}),
    training: slow
      ? { trainer: 'command', command: ['node', 'test/fixtures/slow-trainer.mjs'], params: { sleepMs }, heartbeatTimeout: '10s' }
      : { trainer: 'random-forest', seed: index, search: { strategy: 'grid', space: { nEstimators: [10], maxDepth: [3] } } },
    evaluation: { primaryMetric: 'accuracy', champion: { enabled: false } },
    gates: shape === 'approve' || shape === 'reject' ? [{ name: 'review', role: 'approver', quorum: shape === 'approve' ? 2 : 1 }] : [],
    deployment: { production: {} },
  };
}

/** The shape a run was submitted as, from the pipeline name its spec gives (`faults-<shape>`). */
function shapeOfPipeline(name: string): Shape {
  const shape = name.replace(/^faults-/, '') as Shape;
  return SHAPES.includes(shape) ? shape : 'approve';
}

/** A GraphQL call to the API that gives up after `timeoutMs`; a network error or a 5xx throws. */
export async function call(cluster: Cluster, as: string, query: string, variables: Record<string, unknown> = {}, timeoutMs = 15_000): Promise<any> {
  const response = await fetch(cluster.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${cluster.tokens[as]}` },
    body: JSON.stringify({ query, variables }),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const body = (await response.json()) as { data?: any; errors?: { message: string }[] };
  if (body.errors?.length) throw new Error(body.errors.map((e) => e.message).join('; '));
  return body.data;
}

/**
 * Submits `submissions` runs of every shape over `spreadMs`, concurrently, from one seed; meanwhile two or
 * three approvers decide the gates and a canceller cancels the slow runs in training. `until` stops the
 * deciders once the caller has seen everything settle.
 */
export function startLoad(cluster: Cluster, options: { submissions: number; spreadMs: number; seed: number }) {
  const random = seededRandom(options.seed);
  const stats: LoadStats = { submitted: 0, acknowledged: [], unanswered: 0, decisions: 0, resumed: 0, predictions: 0, labelled: [] };
  const resumed = new Set<string>();
  let stopped = false;

  const submit = async (index: number) => {
    const shape = SHAPES[Math.floor(random() * SHAPES.length)]!;
    stats.submitted++;
    try {
      const data = await call(cluster, 'engineer@faults.test', 'mutation($input: SubmitPipelineInput!) { submitPipeline(input: $input) { id } }', { input: { spec: specOf(shape, index) } });
      stats.acknowledged.push({ runId: data.submitPipeline.id, shape });
    } catch {
      stats.unanswered++;
    }
  };
  const submissions = Promise.all(
    Array.from({ length: options.submissions }, (_, i) => new Promise<void>((resolve) => setTimeout(() => void submit(i).then(resolve), random() * options.spreadMs))),
  );

  /** Decides open gates as the shapes say (runs nobody acknowledged are approved), and cancels slow runs in training. */
  const steer = async () => {
    const open: any[] = [];
    for (const status of ['running', 'awaiting_approval', 'cancelled']) {
      const query = 'query($status: RunStatus) { pipelineRuns(input: { status: $status, first: 100 }) { nodes { id pipelineName trigger status currentStep gates { name status approvals { actor } } } } }';
      open.push(...(await call(cluster, 'viewer@faults.test', query, { status })).pipelineRuns.nodes);
    }
    for (const run of open) {
      // The shape from the run's own pipeline name, not from the submission's answer, which a run may reach its gate
      // before (a reject run was once approved so); a retraining carries the spec of the version in production.
      const shape = run.trigger === 'retrain' ? 'approve' : shapeOfPipeline(run.pipelineName);
      const cancelNow = shape === 'cancel' || (shape === 'resume' && !resumed.has(run.id));
      if (cancelNow && run.status === 'running' && run.currentStep === 'train') {
        await call(cluster, 'engineer@faults.test', 'mutation($id: ID!) { cancelRun(input: { runId: $id }) { id } }', { id: run.id }).catch(() => undefined);
      }
      if (shape === 'resume' && run.status === 'cancelled' && !resumed.has(run.id)) {
        await call(cluster, 'engineer@faults.test', 'mutation($id: ID!) { resumeRun(input: { runId: $id }) { id } }', { id: run.id })
          .then(() => (resumed.add(run.id), stats.resumed++))
          .catch(() => undefined);
      }
      if (run.status !== 'awaiting_approval') continue;
      const done = new Set((run.gates.find((g: any) => g.status === 'open')?.approvals ?? []).map((a: any) => a.actor));
      const approver = ['ana@faults.test', 'bo@faults.test', 'cy@faults.test'].find((a) => !done.has(a))!;
      const verb = shape === 'reject' ? 'rejectGate' : 'approveGate';
      const comment = shape === 'reject' ? ', comment: "not this one"' : '';
      await call(cluster, approver, `mutation($id: ID!) { ${verb}(input: { runId: $id${comment} }) { status } }`, { id: run.id })
        .then(() => stats.decisions++)
        .catch(() => undefined);
    }
  };
  const steering = (async () => {
    while (!stopped) {
      await steer().catch((error: Error) => (stats.lastSteeringError = error.message));
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  })();

  /** Predictions against whatever model is in production, acknowledged ids kept for the checks. */
  const predictionIds: string[] = [];
  const predicting = (async () => {
    const row = { sepal_length: 5.1, sepal_width: 3.5, petal_length: 1.4, petal_width: 0.2 };
    while (!stopped) {
      const model = MODELS[Math.floor(random() * MODELS.length)]!;
      try {
        const { predict } = await call(cluster, 'viewer@faults.test', 'mutation($input: PredictInput!) { predict(input: $input) { predictionId } }', { input: { model, inputs: [row, row] } }, 5000);
        for (const p of predict) predictionIds.push(p.predictionId);
        stats.predictions += predict.length;
        // Now and then the true outcome of an earlier prediction arrives (once it is in the log).
        const earlier = predictionIds[Math.floor(random() * predictionIds.length)]!;
        if (random() < 0.1 && !stats.labelled.includes(earlier)) {
          await call(cluster, 'engineer@faults.test', 'mutation($id: ID!) { recordFeedback(input: { predictionId: $id, label: "setosa" }) { label } }', { id: earlier }, 5000)
            .then(() => stats.labelled.push(earlier))
            .catch(() => undefined);
        }
      } catch {
        // Not deployed yet, or the API is down: try again.
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  })();

  return {
    stats,
    predictionIds,
    submissions,
    async stop() {
      stopped = true;
      await Promise.all([steering, predicting]);
    },
  };
}
