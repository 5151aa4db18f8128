import { cancellationSignal, heartbeat } from '@temporalio/activity';
import { whileHeartbeating } from '../heartbeat.js';
import type { Repositories } from '../../db/repositories/index.js';
import type { Metrics } from '../../domain/pipeline/decisions.js';
import type { PipelineSpec } from '../../domain/pipeline/spec.js';
import { FailureType, permanentFailure } from '../failures.js';
import type { ArtifactStore } from '../../storage/artifact-store.js';
import { loadRows, splitRows } from '../../ml/trainers/dataset-table.js';
import { resolveModelInputs, splitOptionsOf } from '../training/model-inputs.js';
import type { MetricName } from '../../domain/pipeline/spec.js';
import { metricsOf, loadArtifact, predictRows, scoreMany, scoreRows } from '../../ml/predict.js';
import { seededRandom, shuffled } from '../../domain/random.js';
import { fairnessReport, permutationImportance, type FairnessReport, type FeatureImportance } from './responsible.js';
import { explanationSummary } from '../../ml/explain/summary.js';
import type { ExplanationSummary } from '../../domain/evaluation/reports.js';

const IMPORTANCE_ROWS = 2000;

type EvaluationSpec = Pick<PipelineSpec, 'task' | 'target' | 'features' | 'split'> & { fairness?: PipelineSpec['fairness']; sensitiveColumns?: string[] };

export interface EvaluationResult {
  metrics: Metrics;
  testRows: number;
  /** Group fairness on the test split, when the spec names a sensitive attribute. */
  fairness?: FairnessReport;
  /** Permutation importance of each feature on the test split, for the primary metric. */
  importances: FeatureImportance[];
  /** Exact SHAP values on (a sample of) the test split, or why there are none. */
  explanations?: ExplanationSummary | { skipped: string };
  /** The production version at evaluation time, scored on the same test rows; null when there is none. */
  champion: { modelVersionId: string; version: number; metrics: Metrics; note?: string } | null;
}

export interface StageCheckResult {
  metrics: Metrics;
  rows: number;
  /** What the check scored on: `test split` or `<dataset>@v<version>`. */
  data: string;
}

export function createEvaluationActivities({ repos, store }: { repos: Repositories; store: ArtifactStore }) {
  /** The held-out test rows of a run: the same split the trials were trained on. */
  async function testRows(datasetVersionId: string, spec: EvaluationSpec) {
    const { version, features } = await resolveModelInputs(repos, datasetVersionId, spec);
    const extra = spec.fairness ? [spec.fairness.sensitiveAttribute] : [];
    const rows = await store.withLocalFile(version.sha256, (file) => loadRows(file, version.format, [...features.map((f) => f.name), spec.target, ...extra], spec.target));
    return splitRows(rows, spec.target, splitOptionsOf(spec)).test;
  }

  return {
    /**
     * Scores the chosen candidate on the held-out test split and, for champion/challenger, the version
     * now in production on the very same rows. Read-only, so retries are harmless.
     */
    async evaluateCandidate(input: EvaluateInput): Promise<EvaluationResult> {
      // Heartbeats throughout: a worker that dies mid-evaluation is noticed in a minute, not at the half-hour timeout.
      return await whileHeartbeating({ stage: 'evaluating' }, () => evaluate(input));
    },

    /** Scores a model version for a deployment stage check: on the check's dataset, or the run's test split. */
    async checkStage(input: StageCheckInput): Promise<StageCheckResult> {
      return await whileHeartbeating({ stage: 'checking' }, () => checkStage(input));
    },
  };

  async function evaluate(input: EvaluateInput): Promise<EvaluationResult> {
    const rows = await testRows(input.datasetVersionId, input.spec);
    if (rows.length === 0) throw permanentFailure(FailureType.BadInput, 'the test split is empty; raise split.testFraction or add rows');
    heartbeat({ stage: 'scoring challenger' });
    const candidate = await loadArtifact(store, input.artifactSha256);
    const predictions = await predictRows(store, candidate, rows, cancellationSignal());
    const metrics = metricsOf(candidate, rows, predictions);
    let fairness: FairnessReport | undefined;
    if (input.spec.fairness && candidate.task === 'classification') {
      const { sensitiveAttribute, positiveClass } = input.spec.fairness;
      const classes = candidate.classes ?? [];
      const positive = positiveClass ?? (classes.length === 2 ? classes[1]! : undefined);
      if (positive === undefined) throw permanentFailure(FailureType.BadInput, `fairness.positiveClass is required: the target has ${classes.length} classes`);
      if (!classes.includes(positive)) throw permanentFailure(FailureType.BadInput, `fairness.positiveClass ${positive} is not a class of the target (${classes.join(', ')})`);
      fairness = fairnessReport(
        sensitiveAttribute,
        rows.map((r) => String(r[sensitiveAttribute] ?? '(missing)')),
        rows.map((r) => String(r[candidate.target])),
        predictions.values.map(String),
        positive,
      );
    }
    // On at most IMPORTANCE_ROWS test rows, so models behind a command stay quick to explain.
    const sample = rows.length > IMPORTANCE_ROWS ? shuffled(rows, seededRandom(input.spec.split.seed)).slice(0, IMPORTANCE_ROWS) : rows;
    const importances = await permutationImportance(
      sample,
      candidate.features.map((f) => f.name),
      input.primaryMetric,
      async (datasets) =>
        datasets.length === 1 && datasets[0] === sample && sample === rows
          ? [metrics[input.primaryMetric]]
          : (await scoreMany(store, candidate, datasets, cancellationSignal())).map((m) => m[input.primaryMetric]),
      { seed: input.spec.split.seed, onBatch: () => heartbeat({ stage: 'feature importance' }) },
    );
    heartbeat({ stage: 'explanations' });
    const explanations = explanationSummary(candidate, rows, { seed: input.spec.split.seed, sensitive: new Set(input.spec.sensitiveColumns ?? []) });
    let champion: EvaluationResult['champion'] = null;
    const production = input.compareChampion ? await repos.registry.productionPrimary(input.modelName) : null;
    if (production) {
      heartbeat({ stage: 'scoring champion' });
      const artifact = await loadArtifact(store, production.version.artifactSha256);
      const available = new Set(Object.keys(rows[0]!));
      const missing = artifact.features.map((f) => f.name).filter((name) => !available.has(name));
      champion =
        missing.length === 0
          ? { modelVersionId: production.version.id, version: production.version.version, metrics: await scoreRows(store, artifact, rows, cancellationSignal()) }
          : {
              modelVersionId: production.version.id,
              version: production.version.version,
              metrics: production.version.metrics,
              note: `the champion uses columns this run does not (${missing.join(', ')}); compared on its recorded metrics`,
            };
    }
    return { metrics, testRows: rows.length, fairness, importances, explanations, champion };
  }

  async function checkStage(input: StageCheckInput): Promise<StageCheckResult> {
    const modelVersion = await repos.registry.findVersion(input.modelVersionId);
    if (!modelVersion) throw permanentFailure(FailureType.ModelNotFound, `model version ${input.modelVersionId} does not exist`);
    const artifact = await loadArtifact(store, modelVersion.artifactSha256);
    if (!input.checkDataset) {
      const rows = await testRows(input.datasetVersionId, input.spec);
      return { metrics: await scoreRows(store, artifact, rows, cancellationSignal()), rows: rows.length, data: 'test split' };
    }
    const { name, version } = input.checkDataset;
    const found = await repos.datasets.findVersion(name, version);
    if (!found) throw permanentFailure(FailureType.DatasetNotFound, `check dataset ${name}@${version} does not exist`);
    const rows = await store.withLocalFile(found.sha256, (file) => loadRows(file, found.format, [...artifact.features.map((f) => f.name), artifact.target], artifact.target));
    return { metrics: await scoreRows(store, artifact, rows, cancellationSignal()), rows: rows.length, data: `${name}@v${found.version}` };
  }
}

interface EvaluateInput {
  modelName: string;
  artifactSha256: string;
  datasetVersionId: string;
  spec: EvaluationSpec;
  primaryMetric: MetricName;
  compareChampion: boolean;
}

interface StageCheckInput {
  modelVersionId: string;
  datasetVersionId: string;
  spec: EvaluationSpec;
  checkDataset?: { name: string; version: number | 'latest' };
}

export type EvaluationActivities = ReturnType<typeof createEvaluationActivities>;
