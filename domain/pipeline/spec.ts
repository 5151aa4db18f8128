import { z } from 'zod';
import { TASK_QUEUE_PATTERN } from '../task-queues.js';
import { deniedVariable } from '../user-code.js';

/**
 * The pipeline spec: one declarative document (YAML or JSON) that names the data, the checks, the
 * training search, the evaluation gates and the rollout. The API validates it, and the workflow
 * validates it again as its input, with this one schema. Pure: safe in the workflow sandbox.
 */

/** Names of pipelines, models, datasets and gates. */
export const NAME_PATTERN = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const nameField = (what: string) =>
  z.string().regex(NAME_PATTERN, `${what} must be 1-63 lowercase letters, digits or dashes, starting and ending with a letter or digit`);

const DURATION = /^(\d+)(ms|s|m|h|d)$/;
const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** Parses `30s`, `5m`, `2h`, `7d` into milliseconds. */
export function durationMs(text: string): number {
  const match = DURATION.exec(text);
  if (!match) throw new Error(`not a duration: ${text}`);
  return Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
}

const duration = z.string().regex(DURATION, 'must be a duration such as 30s, 5m, 2h or 7d');
const positiveDuration = duration.refine((text) => !DURATION.test(text) || durationMs(text) > 0, 'must be longer than 0');

export const CLASSIFICATION_METRICS = ['accuracy', 'precision', 'recall', 'f1', 'rocAuc', 'logLoss'] as const;
export const REGRESSION_METRICS = ['rmse', 'mae', 'r2'] as const;
export const METRICS = [...CLASSIFICATION_METRICS, ...REGRESSION_METRICS] as const;
export type MetricName = (typeof METRICS)[number];
/** Metrics where smaller is better; every other metric is better when larger. */
export const LOWER_IS_BETTER: ReadonlySet<MetricName> = new Set(['logLoss', 'rmse', 'mae']);

export const BUILT_IN_TRAINERS = ['logistic-regression', 'linear-regression', 'ridge-regression', 'random-forest', 'gradient-boosting'] as const;
export type BuiltInTrainer = (typeof BUILT_IN_TRAINERS)[number];
/** `imported`: a model trained elsewhere, given as an ONNX file (`training.model`), evaluated and governed as any other. */
export const TRAINERS = [...BUILT_IN_TRAINERS, 'command', 'imported'] as const;
export type TrainerName = (typeof TRAINERS)[number];

const datasetRef = z.strictObject({
  name: nameField('dataset name'),
  /** A version number, or `latest`. Omit when `file` registers a new version. */
  version: z.union([z.literal('latest'), z.number().int().positive()]).optional(),
  /** A CSV or JSON Lines file to register as the next version (identical content resolves to its existing version). */
  file: z.string().min(1).optional(),
  format: z.enum(['csv', 'jsonl']).optional(),
  source: z.string().max(2000).optional(),
  license: z.string().max(200).optional(),
  intendedUse: z.string().max(2000).optional(),
  /**
   * Columns holding personal data. Their values never enter a workflow payload, a log line, an error
   * message or the prediction log in clear: the log keeps a keyed hash of a categorical one (with
   * encryption keys; drift still compares them) and drops the rest. Fairness still groups by them.
   */
  sensitiveColumns: z.array(z.string().min(1).max(200)).max(200).optional(),
});

const columnRule = z.strictObject({
  kind: z.enum(['numeric', 'categorical']).optional(),
  required: z.boolean().default(true),
  min: z.number().optional(),
  max: z.number().optional(),
  allowed: z.array(z.union([z.string(), z.number(), z.boolean()]).transform(String)).min(1).optional(),
  maxMissingFraction: z.number().min(0).max(1).optional(),
});

const paramValue = z.union([z.number(), z.string(), z.boolean()]);
const paramSpace = z.union([
  z.array(paramValue).min(1),
  z.strictObject({ min: z.number(), max: z.number(), integer: z.boolean().default(false), log: z.boolean().default(false) }),
  // Optuna's spelling of the same range, `{ low, high, log, type: int }`, read as the one above.
  z
    .strictObject({ low: z.number(), high: z.number(), type: z.enum(['float', 'int']).default('float'), log: z.boolean().default(false) })
    .transform(({ low, high, type, log }) => ({ min: low, max: high, integer: type === 'int', log })),
]);

const columnTransform = z.union([
  z.enum(['log', 'sqrt', 'dateparts']),
  z.strictObject({ power: z.number().refine((p) => p !== 0, 'must not be 0') }),
  z.strictObject({ bucketize: z.union([z.array(z.number()).min(1).max(100), z.strictObject({ quantiles: z.number().int().min(2).max(100) })]) }),
]);

/**
 * Feature generation and selection, learned on the training split and stored in the model (built-in
 * trainers). A plain list of columns is the short form: those columns, encoded as always.
 */
const featureSection = z.strictObject({
  columns: z.array(z.string().min(1)).min(1).optional(),
  impute: z
    .strictObject({
      numeric: z.enum(['mean', 'median', 'constant']).default('mean'),
      categorical: z.enum(['missing', 'most_frequent', 'constant']).default('missing'),
      constant: z.union([z.number(), z.string()]).optional(),
      indicators: z.boolean().default(false),
    })
    .prefault({}),
  scale: z.enum(['auto', 'standard', 'minmax', 'none']).default('auto'),
  oneHot: z.strictObject({ minFrequency: z.number().min(0).max(0.5).default(0) }).prefault({}),
  transforms: z.record(z.string().min(1), columnTransform).default({}),
  interactions: z.array(z.tuple([z.string().min(1), z.string().min(1)])).max(50).default([]),
  select: z
    .strictObject({
      dropConstant: z.boolean().default(true),
      nearConstant: z.number().gt(0.5).max(1).optional(),
      maxMissing: z.number().min(0).max(1).optional(),
      maxCorrelation: z.number().gt(0).max(1).optional(),
      topK: z.strictObject({ k: z.number().int().min(1).max(10_000), by: z.enum(['mutual_information', 'importance']).default('mutual_information') }).optional(),
    })
    .prefault({}),
});

/** One entry of `training.candidates`: a trainer with its fixed params and its own search space. */
const candidate = z.strictObject({
  trainer: z.enum(TRAINERS),
  command: z.array(z.string().min(1)).min(1).optional(),
  params: z.record(z.string(), paramValue).default({}),
  space: z.record(z.string().min(1), paramSpace).default({}),
});

const thresholds = z.partialRecord(
  z.enum(METRICS),
  z.strictObject({ min: z.number().optional(), max: z.number().optional() }).refine((t) => t.min !== undefined || t.max !== undefined, {
    message: 'give min, max or both',
  }),
);

const stageChecks = z.strictObject({
  /** Evaluate on this dataset instead of the run's held-out split, such as a recent production sample. */
  dataset: z.strictObject({ name: nameField('dataset name'), version: z.union([z.literal('latest'), z.number().int().positive()]).default('latest') }).optional(),
  thresholds: thresholds.optional(),
});

const gate = z.strictObject({
  name: nameField('gate name'),
  role: z.enum(['approver', 'admin']).default('approver'),
  quorum: z.number().int().min(1).max(10).default(1),
  timeout: positiveDuration.default('7d'),
  onTimeout: z.enum(['reject', 'approve', 'escalate']).default('reject'),
  escalateTo: z.enum(['approver', 'admin']).optional(),
});

/**
 * Differentially private training (DP-SGD) for logistic regression: a target ε (the noise multiplier is
 * found to meet it) or a noise multiplier (the ε it spends is computed), at δ; per-example gradients
 * clipped to clipNorm; Poisson-sampled lots of batchSize rows on average, for `epochs` passes.
 */
const privacySpec = z.strictObject({
  epsilon: z.number().positive().max(100).optional(),
  delta: z.number().gt(0).lt(0.01).default(1e-5),
  clipNorm: z.number().positive().max(1000).default(1),
  noiseMultiplier: z.number().positive().max(10_000).optional(),
  batchSize: z.number().int().min(1).max(100_000).default(64),
  epochs: z.number().positive().max(1000).default(10),
  learningRate: z.number().positive().max(100).default(0.5),
});
export type PrivacySpec = z.output<typeof privacySpec>;

const driftLimits = {
  /** A feature drifts when its PSI against the training reference reaches this. */
  psi: z.number().positive().optional(),
  /** …or when its two-sample KS p-value (numeric features) falls below this; 0 turns the test off. */
  ksPValue: z.number().min(0).max(1).optional(),
  /** …or when its chi-square p-value (categorical features) falls below this; 0 turns the test off. */
  chiSquarePValue: z.number().min(0).max(1).optional(),
};

export const RETRAIN_TRIGGERS = ['drift', 'prediction', 'performance'] as const;
export type RetrainTrigger = (typeof RETRAIN_TRIGGERS)[number];

/** What an A/B test compares per labelled prediction: a mean of per-prediction scores, or (rocAuc) a ranking. */
export const AB_TEST_METRICS = { classification: ['accuracy', 'logLoss', 'rocAuc'], regression: ['mae', 'mse'] } as const;
export type AbTestMetric = (typeof AB_TEST_METRICS)[keyof typeof AB_TEST_METRICS][number];
/** The most looks an A/B test may take (`maxDuration / checkEvery`): each is a timer and an activity in the run's history. */
export const MAX_AB_TEST_LOOKS = 1000;

/**
 * A shadow release: the new version receives a copy of sampled production requests off the request path, its
 * answers are logged beside the primary's and never returned, and its report is judged before promotion.
 */
const shadowSpec = z.strictObject({
  /** How long the shadow receives copies of production traffic before its report is judged. */
  duration: positiveDuration,
  /** The share of production requests copied to the shadow, in percent. */
  sample: z.number().int().min(1).max(100).default(100),
  /** What the report must show before promotion goes on; a shortfall rolls the shadow back. */
  require: z
    .strictObject({
      /** The share of paired predictions on which shadow and primary give the same class (classification). */
      agreement: z.number().min(0).max(1).optional(),
      /** The shadow's primary metric on labelled predictions may trail the primary's by at most this much. */
      metricTolerance: z.number().min(0).optional(),
      /** Labelled pairs the metric requirement needs before it can pass. */
      minLabelled: z.number().int().min(1).default(30),
    })
    .optional(),
  /** A gate from `gates` that opens after the report instead of before deployment, so approvers decide with it. */
  gate: z.string().min(1).optional(),
});

/**
 * An A/B test: the challenger takes `traffic`% of production (sticky by request key), and a mixture sequential
 * probability ratio test on labelled predictions promotes it or rolls it back; valid however often it is looked at.
 */
const abTestSpec = z.strictObject({
  traffic: z.number().int().min(1).max(99).default(50),
  metric: z.enum([...AB_TEST_METRICS.classification, ...AB_TEST_METRICS.regression]),
  /** The smallest difference in `metric` worth detecting, in the metric's units; the test's planned size is set by it. */
  minimumDetectableEffect: z.number().positive(),
  /** The chance of declaring a difference where there is none, however often the test is looked at. */
  alpha: z.number().gt(0).max(0.2).default(0.05),
  /** The chance of detecting a true difference of `minimumDetectableEffect` by the planned size. */
  power: z.number().min(0.5).lt(1).default(0.8),
  /** With no decision by then, the test stops as inconclusive and `gate` decides. */
  maxDuration: positiveDuration.default('14d'),
  /** How often the labelled log is looked at. */
  checkEvery: positiveDuration.default('1h'),
  /** The gate from `gates` that decides an inconclusive test; it is not asked before deployment. */
  gate: z.string().min(1),
});
export type ShadowSpec = z.output<typeof shadowSpec>;
export type AbTestSpec = z.output<typeof abTestSpec>;

/**
 * How a deployed model is watched: the window of served predictions each check reads, the drift limits
 * per feature, prediction drift, performance on labelled feedback, and what starts a retraining.
 */
const monitoringSpec = z
  .strictObject({
    /** Each check reads the predictions served in this window before it. */
    window: positiveDuration.default('24h'),
    /**
     * At most this many of the newest predictions in the window. KS p-values are exact up to 10,000 and
     * asymptotic above; from 50,000 the numeric features are compared on every core.
     */
    maxRows: z.number().int().min(10).max(1_000_000).default(10_000),
    /** Fewer predictions than this in the window: the check reports insufficient data and decides nothing. */
    minRows: z.number().int().min(1).max(10_000).default(100),
    drift: z
      .strictObject({
        psi: z.number().positive().default(0.2),
        ksPValue: z.number().min(0).max(1).default(0.01),
        chiSquarePValue: z.number().min(0).max(1).default(0.01),
        /** Per-feature limits, overriding the ones above; `ignore: true` leaves a feature out. */
        features: z.record(z.string().min(1), z.strictObject({ ...driftLimits, ignore: z.boolean().default(false) })).default({}),
        /** How many features must drift for the model's input to count as drifted. */
        minFeatures: z.number().int().min(1).default(1),
      })
      .prefault({}),
    /** Drift of the model's own output against its predictions on the training reference. */
    prediction: z.strictObject({ ...driftLimits, psi: z.number().positive().default(0.2) }).prefault({}),
    performance: z
      .strictObject({
        /** Fewer labelled predictions than this in the window: performance is not judged. */
        minLabels: z.number().int().min(1).default(30),
        /** Limits on the metrics of labelled predictions; the evaluation thresholds when omitted. */
        thresholds: thresholds.optional(),
      })
      .prefault({}),
    retrain: z
      .strictObject({
        /** Which findings start a retraining (through the same validation and gates); [] only alerts. */
        on: z.array(z.enum(RETRAIN_TRIGGERS)).default(['drift', 'performance']),
      })
      .prefault({}),
  })
  .prefault({});

export const pipelineSpecSchema = z
  .strictObject({
    apiVersion: z.literal('custody/v1').default('custody/v1'),
    name: nameField('pipeline name'),
    description: z.string().max(2000).optional(),
    model: nameField('model name').optional(),
    dataset: datasetRef,
    task: z.enum(['classification', 'regression']),
    target: z.string().min(1),
    /** Feature columns; all but the target (and the sensitive attribute, if any) when omitted. */
    features: z.union([z.array(z.string().min(1)).min(1), featureSection]).optional(),
    split: z
      .strictObject({
        testFraction: z.number().gt(0).lt(1).default(0.2),
        validationFraction: z.number().gt(0).lt(1).default(0.2),
        seed: z.number().int().min(0).default(42),
        stratify: z.boolean().optional(),
      })
      .prefault({}),
    validation: z
      .strictObject({
        minRows: z.number().int().min(1).default(1),
        maxMissingFraction: z.number().min(0).max(1).default(0),
        columns: z.record(z.string().min(1), columnRule).default({}),
        classBalance: z.strictObject({ minFraction: z.number().gt(0).lt(1) }).optional(),
      })
      .prefault({}),
    training: z.strictObject({
      /** One trainer; or several in `candidates`, never both. */
      trainer: z.enum(TRAINERS).optional(),
      /** For the `command` trainer: the program and its arguments, run from the repository root. */
      command: z.array(z.string().min(1)).min(1).optional(),
      /** For the `imported` trainer: the sha256 of the ONNX file in the artifact store (`POST /v1/models/{name}/import` puts it there). */
      model: z.string().regex(/^[0-9a-f]{64}$/, 'must be the sha256 (64 lowercase hex digits) of an imported ONNX file').optional(),
      params: z.record(z.string(), paramValue).default({}),
      /** Algorithm selection: one search across several trainers, the best picked on the validation split. */
      candidates: z.array(candidate).min(1).max(10).optional(),
      search: z
        .strictObject({
          /**
           * grid, random (`trials` draws per candidate), halving (successive halving over those draws), or tpe: the
           * Tree-structured Parzen Estimator, `trials` in all, each batch proposed from every trial before it.
           */
          strategy: z.enum(['grid', 'random', 'halving', 'tpe']).default('grid'),
          trials: z.number().int().min(1).max(200).optional(),
          /** median: a boosted-trees trial whose validation loss is above the median of earlier trials' at the same round stops there. */
          pruning: z.enum(['none', 'median']).optional(),
          /** Rounds every trial runs before pruning may stop it (10 when omitted). */
          warmupRounds: z.number().int().min(0).max(10_000).optional(),
          /** tpe: begin with the best configurations of this model's earlier runs on the same dataset and trainers. */
          warmStart: z.boolean().optional(),
          parallelism: z.number().int().min(1).max(32).default(2),
          space: z.record(z.string().min(1), paramSpace).default({}),
          /** Halving: the share of configurations kept after each rung is 1/eta (3 when omitted). */
          eta: z.number().int().min(2).max(10).optional(),
        })
        .prefault({}),
      seed: z.number().int().min(0).default(42),
      environment: z
        .strictObject({
          /** What a command trainer's environment is pinned by: a lock or requirements file, hashed into every trial's fingerprint. */
          lockfile: z.string().min(1).max(500).optional(),
          /** Variables of the worker's environment a command trainer and its model's serving process are given, beyond the allow-list (domain/user-code.ts). */
          variables: z
            .array(
              z.string().superRefine((name, ctx) => {
                const why = deniedVariable(name);
                if (why) ctx.addIssue({ code: 'custom', message: `${JSON.stringify(name)} ${why}` });
              }),
            )
            .max(50)
            .refine((names) => new Set(names).size === names.length, 'names a variable twice')
            .optional(),
        })
        .optional(),
      /** Longest one candidate may train. */
      timeout: positiveDuration.default('30m'),
      /** A candidate whose worker stops heartbeating for this long is restarted on another worker. */
      heartbeatTimeout: positiveDuration.default('20s'),
      /** Train with differential privacy (DP-SGD); logistic regression only, one configuration. */
      privacy: privacySpec.optional(),
      /** The task queue trials run on (a pool of GPU workers, say); the training pool's queue when omitted. */
      taskQueue: z.string().regex(TASK_QUEUE_PATTERN, 'must be 1-100 letters, digits, dots, dashes or underscores').optional(),
    }),
    evaluation: z.strictObject({
      primaryMetric: z.enum(METRICS),
      thresholds: thresholds.default({}),
      champion: z
        .strictObject({
          /** The challenger must beat production by at least this much on the primary metric. */
          minImprovement: z.number().default(0),
          enabled: z.boolean().default(true),
        })
        .prefault({}),
    }),
    /** Group fairness on the test split with respect to a sensitive attribute (classification only). */
    fairness: z
      .strictObject({
        sensitiveAttribute: z.string().min(1),
        /** The favourable outcome; required when there are more than two classes, else the second class in sorted order. */
        positiveClass: z.union([z.string(), z.number(), z.boolean()]).transform(String).optional(),
        thresholds: z
          .strictObject({
            demographicParityDifference: z.number().min(0).max(1).optional(),
            equalOpportunityDifference: z.number().min(0).max(1).optional(),
          })
          .default({}),
      })
      .optional(),
    gates: z.array(gate).max(5).default([]),
    deployment: z
      .strictObject({
        staging: z.strictObject({ bakeTime: duration.default('0s'), checks: stageChecks.optional() }).optional(),
        production: z
          .strictObject({
            /** Canary percentages stepped through before 100, each held for `bakeTime`. */
            canary: z.array(z.number().int().min(1).max(99)).max(10).default([]),
            bakeTime: duration.default('0s'),
            checks: stageChecks.optional(),
            /** Before promotion, the new version shadows the primary for a while; its report decides. */
            shadow: shadowSpec.optional(),
            /** Instead of canaries, an A/B test against the primary decides promotion. */
            abTest: abTestSpec.optional(),
          })
          .prefault({}),
      })
      .prefault({}),
    /** Thresholds for the monitoring checks a schedule runs once the model serves. */
    monitoring: monitoringSpec,
  })
  .superRefine((spec, ctx) => {
    const isClassification = spec.task === 'classification';
    const allowed: readonly string[] = isClassification ? CLASSIFICATION_METRICS : REGRESSION_METRICS;
    const wrongMetric = (metric: string, path: (string | number)[]) => {
      if (!allowed.includes(metric)) {
        ctx.addIssue({ code: 'custom', path, message: `${metric} is not a ${spec.task} metric; use one of ${allowed.join(', ')}` });
      }
    };
    wrongMetric(spec.evaluation.primaryMetric, ['evaluation', 'primaryMetric']);
    for (const metric of Object.keys(spec.evaluation.thresholds)) wrongMetric(metric, ['evaluation', 'thresholds', metric]);
    for (const stage of ['staging', 'production'] as const) {
      for (const metric of Object.keys(spec.deployment[stage]?.checks?.thresholds ?? {})) {
        wrongMetric(metric, ['deployment', stage, 'checks', 'thresholds', metric]);
      }
    }
    checkTraining(spec, ctx);
    if (spec.fairness && !isClassification) {
      ctx.addIssue({ code: 'custom', path: ['fairness'], message: 'is for classification tasks' });
    }
    if (spec.fairness && spec.fairness.sensitiveAttribute === spec.target) {
      ctx.addIssue({ code: 'custom', path: ['fairness', 'sensitiveAttribute'], message: 'must not be the target' });
    }
    checkFeatures(spec, ctx);
    if (featureColumnList(spec)?.includes(spec.target)) {
      ctx.addIssue({ code: 'custom', path: Array.isArray(spec.features) ? ['features'] : ['features', 'columns'], message: `must not include the target column ${spec.target}` });
    }
    const { dataset } = spec;
    if (dataset.sensitiveColumns?.includes(spec.target)) {
      ctx.addIssue({ code: 'custom', path: ['dataset', 'sensitiveColumns'], message: `must not include the target column ${spec.target}: feedback labels and performance need it in clear` });
    }
    if (dataset.file && dataset.version !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['dataset', 'version'], message: 'give either file (register a new version) or version, not both' });
    }
    const gateNames = new Set<string>();
    spec.gates.forEach((g, i) => {
      if (gateNames.has(g.name)) ctx.addIssue({ code: 'custom', path: ['gates', i, 'name'], message: `duplicate gate name ${g.name}` });
      gateNames.add(g.name);
      if (g.onTimeout === 'escalate' && !g.escalateTo) {
        ctx.addIssue({ code: 'custom', path: ['gates', i, 'escalateTo'], message: 'is required when onTimeout is escalate' });
      }
    });
    for (const metric of Object.keys(spec.monitoring.performance.thresholds ?? {})) {
      wrongMetric(metric, ['monitoring', 'performance', 'thresholds', metric]);
    }
    if (spec.monitoring.minRows > spec.monitoring.maxRows) {
      ctx.addIssue({ code: 'custom', path: ['monitoring', 'minRows'], message: `must not exceed maxRows (${spec.monitoring.maxRows})` });
    }
    const canary = spec.deployment.production?.canary ?? [];
    if (canary.some((p, i) => i > 0 && p <= canary[i - 1]!)) {
      ctx.addIssue({ code: 'custom', path: ['deployment', 'production', 'canary'], message: 'percentages must increase' });
    }
    checkRelease(spec, ctx);
  });

/** A release strategy's gate names one of the spec's gates; an A/B test's metric fits the task and replaces canaries. */
function checkRelease(spec: PipelineSpec, ctx: Issues): void {
  const { shadow, abTest, canary } = spec.deployment.production;
  const path = (...rest: (string | number)[]) => ['deployment', 'production', ...rest];
  const gateNames = new Set(spec.gates.map((g) => g.name));
  for (const [name, gate] of [['shadow', shadow?.gate], ['abTest', abTest?.gate]] as const) {
    if (gate !== undefined && !gateNames.has(gate)) ctx.addIssue({ code: 'custom', path: path(name, 'gate'), message: `names no gate of this spec (${[...gateNames].join(', ') || 'it has none'})` });
  }
  if (shadow?.gate !== undefined && shadow.gate === abTest?.gate) ctx.addIssue({ code: 'custom', path: path('abTest', 'gate'), message: 'must differ from the shadow\'s gate' });
  if (shadow?.require?.agreement !== undefined && spec.task !== 'classification') {
    ctx.addIssue({ code: 'custom', path: path('shadow', 'require', 'agreement'), message: 'is for classification tasks (a regression shadow reports its differences)' });
  }
  if (!abTest) return;
  const metrics: readonly string[] = AB_TEST_METRICS[spec.task];
  if (!metrics.includes(abTest.metric)) ctx.addIssue({ code: 'custom', path: path('abTest', 'metric'), message: `${abTest.metric} is not a ${spec.task} metric; use one of ${metrics.join(', ')}` });
  if (canary.length > 0) ctx.addIssue({ code: 'custom', path: path('abTest'), message: 'replaces canary: give one or the other' });
  const looks = Math.floor(durationMs(abTest.maxDuration) / durationMs(abTest.checkEvery));
  if (looks > MAX_AB_TEST_LOOKS) ctx.addIssue({ code: 'custom', path: path('abTest', 'checkEvery'), message: `would look ${looks} times in maxDuration; at most ${MAX_AB_TEST_LOOKS}: look less often` });
}

/** A spec as submitted (defaults optional). */
export type PipelineSpecInput = z.input<typeof pipelineSpecSchema>;
/** A validated spec with every default filled in; what the workflow receives. */
export type PipelineSpec = z.output<typeof pipelineSpecSchema>;
export type GateSpec = PipelineSpec['gates'][number];
export type Thresholds = PipelineSpec['evaluation']['thresholds'];
export type MonitoringSpec = PipelineSpec['monitoring'];

export interface SpecIssue {
  /** Dotted path of the offending field, such as `training.search.parallelism`. */
  path: string;
  message: string;
}

export type SpecParseResult = { ok: true; spec: PipelineSpec } | { ok: false; issues: SpecIssue[] };

/** Validates a spec and reports every offending field with its path and reason. */
export function parsePipelineSpec(input: unknown): SpecParseResult {
  const nul = nulPaths(input, []);
  if (nul.length > 0) return { ok: false, issues: nul.map((path) => ({ path, message: 'must not contain NUL characters' })) };
  const result = pipelineSpecSchema.safeParse(input);
  if (result.success) return { ok: true, spec: result.data };
  const issues = result.error.issues.flatMap((issue): SpecIssue[] => {
    const base = issue.path.map(String).join('.');
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ path: base ? `${base}.${key}` : key, message: 'is not a known field' }));
    }
    return [{ path: base || '(spec)', message: issue.message }];
  });
  return { ok: false, issues };
}

/** Paths of strings (or keys) holding a NUL character, which no database text column can store. */
function nulPaths(value: unknown, path: string[]): string[] {
  if (typeof value === 'string') return value.includes('\u0000') ? [path.join('.') || '(spec)'] : [];
  if (value && typeof value === 'object') {
    return Object.entries(value as Record<string, unknown>).flatMap(([key, child]) =>
      key.includes('\u0000') ? [[...path, key.replace(/\u0000/g, '')].join('.')] : nulPaths(child, [...path, key]),
    );
  }
  return [];
}

/** The model a spec trains: `model`, or the pipeline name when omitted. */
export const modelNameOf = (spec: PipelineSpec): string => spec.model ?? spec.name;

/** A trainer to search: one entry of `training.candidates`, or the one-trainer form read as one. */
export interface TrainingCandidate {
  trainer: TrainerName;
  command?: string[];
  params: Record<string, number | string | boolean>;
  space: Record<string, z.infer<typeof paramSpace>>;
}

/** The candidates of a training section, whichever form it takes. */
export function trainingCandidates(training: PipelineSpec['training']): TrainingCandidate[] {
  if (training.candidates) return training.candidates;
  return [{ trainer: training.trainer!, ...(training.command ? { command: training.command } : {}), params: training.params, space: training.search.space }];
}

type Issues = { addIssue(issue: { code: 'custom'; path: (string | number)[]; message: string }): void };

function checkTraining(spec: PipelineSpec, ctx: Issues): void {
  const { training } = spec;
  if (training.candidates && training.trainer) {
    ctx.addIssue({ code: 'custom', path: ['training', 'candidates'], message: 'give either training.trainer (one trainer) or training.candidates (several), not both' });
    return;
  }
  if (!training.candidates && !training.trainer) {
    ctx.addIssue({ code: 'custom', path: ['training', 'trainer'], message: 'is required (or give training.candidates to search several trainers)' });
    return;
  }
  if (training.candidates) {
    if (training.command) ctx.addIssue({ code: 'custom', path: ['training', 'command'], message: 'belongs in each candidate when training.candidates is used' });
    if (Object.keys(training.params).length > 0) ctx.addIssue({ code: 'custom', path: ['training', 'params'], message: 'belongs in each candidate when training.candidates is used' });
    if (Object.keys(training.search.space).length > 0) ctx.addIssue({ code: 'custom', path: ['training', 'search', 'space'], message: 'belongs in each candidate (as space) when training.candidates is used' });
  }
  const prefixOf = (i: number) => (training.candidates ? ['training', 'candidates', i] : ['training']);
  trainingCandidates(training).forEach((c, i) => {
    const prefix = prefixOf(i);
    checkCandidate(spec, c, prefix, training.candidates ? [...prefix, 'space'] : ['training', 'search', 'space'], ctx);
  });
  const { search } = training;
  if (search.strategy === 'halving' && search.trials === undefined && trainingCandidates(training).some((c) => Object.values(c.space).some((v) => !Array.isArray(v)))) {
    ctx.addIssue({ code: 'custom', path: ['training', 'search', 'trials'], message: `is required for ${search.strategy} search over ranges` });
  }
  if ((search.strategy === 'random' || search.strategy === 'tpe') && search.trials === undefined) {
    ctx.addIssue({ code: 'custom', path: ['training', 'search', 'trials'], message: `is required for ${search.strategy} search` });
  }
  checkAdaptive(training, ctx);
  if (training.privacy) checkPrivacy(spec, ctx);
  checkImported(spec, ctx);
}

/** Pruning and warm start: what each needs from the strategy and the candidates. */
function checkAdaptive(training: PipelineSpec['training'], ctx: Issues): void {
  const { search } = training;
  const at = (field: string) => ['training', 'search', field];
  if (search.pruning === 'median') {
    if (search.strategy !== 'tpe' && search.strategy !== 'random') {
      ctx.addIssue({ code: 'custom', path: at('pruning'), message: search.strategy === 'halving' ? 'halving prunes by its rungs already; pruning is for tpe or random search' : 'is for tpe or random search' });
    } else if (!trainingCandidates(training).some((c) => c.trainer === 'gradient-boosting')) {
      ctx.addIssue({ code: 'custom', path: at('pruning'), message: 'needs a gradient-boosting candidate: only boosted trees report a validation loss per round' });
    }
  }
  if (search.warmStart && search.strategy !== 'tpe') ctx.addIssue({ code: 'custom', path: at('warmStart'), message: 'is for tpe search, which learns from the trials it begins with' });
  if (search.warmupRounds !== undefined && search.pruning !== 'median') ctx.addIssue({ code: 'custom', path: at('warmupRounds'), message: 'is for pruning: median' });
  if (search.strategy === 'tpe' && trainingCandidates(training).length === 1 && Object.keys(trainingCandidates(training)[0]!.space).length === 0) {
    ctx.addIssue({ code: 'custom', path: at('space'), message: 'tpe needs something to search: give a range or a list' });
  }
}

/** What tpe needs of a range: whole bounds for whole numbers, and a log range of whole numbers from 1 up. */
function checkTpeRange(range: { min: number; max: number; integer: boolean; log: boolean }, path: (string | number)[], ctx: Issues): void {
  if (range.integer && (!Number.isInteger(range.min) || !Number.isInteger(range.max))) ctx.addIssue({ code: 'custom', path, message: 'a whole-number range takes whole-number bounds' });
  else if (range.integer && range.log && range.min < 1) ctx.addIssue({ code: 'custom', path: [...path, 'min'], message: 'must be at least 1 for a whole-number log range' });
}

/** An imported model is one file, evaluated as it is: nothing to search, select or generate. */
function checkImported(spec: PipelineSpec, ctx: Issues): void {
  const { training } = spec;
  const at = (...path: (string | number)[]) => ['training', ...path];
  training.candidates?.forEach((c, i) => c.trainer === 'imported' && ctx.addIssue({ code: 'custom', path: at('candidates', i, 'trainer'), message: 'imported is a model already trained: give it as training.trainer, without candidates' }));
  if (training.trainer !== 'imported') {
    if (training.model) ctx.addIssue({ code: 'custom', path: at('model'), message: `is only for the imported trainer, not ${training.trainer ?? 'candidates'}` });
    return;
  }
  if (!training.model) ctx.addIssue({ code: 'custom', path: at('model'), message: 'is required when trainer is imported: the sha256 of the ONNX file' });
  if (Object.keys(training.params).length > 0 || Object.keys(training.search.space).length > 0) ctx.addIssue({ code: 'custom', path: at('params'), message: 'an imported model is trained already: it takes no params or search space' });
  if (spec.features) ctx.addIssue({ code: 'custom', path: ['features'], message: "an imported model's inputs are its graph's: leave features out" });
}

/** A private run trains one logistic regression, on columns chosen without looking at the data. */
function checkPrivacy(spec: PipelineSpec, ctx: Issues): void {
  const { training } = spec;
  const privacy = training.privacy!;
  const at = (...path: string[]) => ['training', ...path];
  if (training.trainer !== 'logistic-regression' || training.candidates) {
    ctx.addIssue({ code: 'custom', path: at('privacy'), message: 'is for training.trainer logistic-regression (DP-SGD), without candidates' });
  }
  if (Object.keys(training.search.space).length > 0 || training.search.strategy !== 'grid') {
    ctx.addIssue({ code: 'custom', path: at('search'), message: 'a private run trains one configuration: every extra trial would spend ε of its own' });
  }
  if ((privacy.epsilon === undefined) === (privacy.noiseMultiplier === undefined)) {
    ctx.addIssue({ code: 'custom', path: at('privacy', 'epsilon'), message: 'give either epsilon (a target; the noise is found to meet it) or noiseMultiplier, not both or neither' });
  }
  if (spec.features && !Array.isArray(spec.features)) {
    ctx.addIssue({ code: 'custom', path: ['features'], message: 'feature generation and selection look at the data outside the private training; with training.privacy, list the columns instead' });
  }
}

function checkCandidate(spec: PipelineSpec, c: TrainingCandidate, prefix: (string | number)[], spacePath: (string | number)[], ctx: Issues): void {
  const isClassification = spec.task === 'classification';
  const { trainer, command } = c;
  if (trainer === 'command' && !command) ctx.addIssue({ code: 'custom', path: [...prefix, 'command'], message: 'is required when trainer is command' });
  if (trainer !== 'command' && command) ctx.addIssue({ code: 'custom', path: [...prefix, 'command'], message: `is only for the command trainer, not ${trainer}` });
  if (trainer === 'logistic-regression' && !isClassification) ctx.addIssue({ code: 'custom', path: [...prefix, 'trainer'], message: 'logistic-regression is for classification tasks' });
  if ((trainer === 'linear-regression' || trainer === 'ridge-regression') && isClassification) {
    ctx.addIssue({ code: 'custom', path: [...prefix, 'trainer'], message: `${trainer} is for regression tasks` });
  }
  const ranges = Object.entries(c.space).filter(([, space]) => !Array.isArray(space));
  if (spec.training.search.strategy === 'grid') {
    for (const [key] of ranges) ctx.addIssue({ code: 'custom', path: [...spacePath, key], message: 'grid search takes a list of values; ranges are for random or tpe search' });
    const size = Object.values(c.space).reduce((n, values) => n * (Array.isArray(values) ? values.length : 1), 1);
    if (size > 200) ctx.addIssue({ code: 'custom', path: spacePath, message: `the grid has ${size} combinations; at most 200 are allowed` });
  }
  for (const [key, space] of ranges) {
    if (!Array.isArray(space) && space.min > space.max) ctx.addIssue({ code: 'custom', path: [...spacePath, key, 'min'], message: 'must not exceed max' });
    if (!Array.isArray(space) && space.log && space.min <= 0) ctx.addIssue({ code: 'custom', path: [...spacePath, key, 'min'], message: 'must be positive for a log-scale range' });
    else if (!Array.isArray(space) && spec.training.search.strategy === 'tpe') checkTpeRange(space, [...spacePath, key], ctx);
  }
}

export type FeatureSectionSpec = z.infer<typeof featureSection>;

/** The feature columns a spec names, whichever form its `features` takes; undefined means all but the target. */
export function featureColumnList(spec: Pick<PipelineSpec, 'features'>): string[] | undefined {
  return Array.isArray(spec.features) ? spec.features : spec.features?.columns;
}

/** The `features` section when the spec has one (not the short list form). */
export function featureSectionOf(spec: Pick<PipelineSpec, 'features'>): FeatureSectionSpec | undefined {
  return spec.features && !Array.isArray(spec.features) ? spec.features : undefined;
}

/** Every column the section refers to, with where: what the data must have. */
export function featureSectionColumns(section: FeatureSectionSpec): { column: string; path: (string | number)[] }[] {
  return [
    ...Object.keys(section.transforms).map((column) => ({ column, path: ['features', 'transforms', column] })),
    ...section.interactions.flatMap(([a, b], i) => [
      { column: a, path: ['features', 'interactions', i, 0] },
      { column: b, path: ['features', 'interactions', i, 1] },
    ]),
  ];
}

function checkFeatures(spec: PipelineSpec, ctx: Issues): void {
  const section = featureSectionOf(spec);
  if (!section) return;
  if (section.impute.numeric === 'constant' && typeof (section.impute.constant ?? 0) !== 'number') {
    ctx.addIssue({ code: 'custom', path: ['features', 'impute', 'constant'], message: 'must be a number when impute.numeric is constant' });
  }
  const commands = trainingCandidates(spec.training).filter((c) => c.trainer === 'command');
  if (commands.length > 0) ctx.addIssue({ code: 'custom', path: ['features'], message: 'a features section applies to the built-in trainers; a command trainer reads the raw columns (give features as a list of columns)' });
  const columns = section.columns;
  if (!columns) return;
  for (const { column, path } of featureSectionColumns(section)) {
    if (!columns.includes(column)) ctx.addIssue({ code: 'custom', path, message: `${column} is not in features.columns` });
  }
}
