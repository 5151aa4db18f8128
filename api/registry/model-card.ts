import type { DatasetVersionRow, FeatureDecisionRecord, ModelVersionRow, PipelineRunRow, TrialRow } from '../../db/schema/index.js';
import type { GateDecisionRecord } from '../../domain/pipeline/gates.js';
import { leaderboard } from '../runs/leaderboard.js';
import { flatEnvironment, type TrialEnvironment } from '../../domain/environment.js';
import type { PipelineSpec } from '../../domain/pipeline/spec.js';

const num = (value: number) => Number(value.toPrecision(4)).toString();
const cell = (text: unknown) => String(text ?? '').replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** A dataset version's datasheet: where the data came from, what it may be used for, and its profile. */
export function datasheetMarkdown(version: DatasetVersionRow & { datasetName: string }): string {
  const lines = [
    `# Datasheet: ${version.datasetName} v${version.version}`,
    '',
    `- **Content hash (sha256):** \`${version.sha256}\``,
    `- **Format:** ${version.format}, ${version.rowCount} rows, ${version.sizeBytes} bytes`,
    `- **Source:** ${version.source ?? 'not recorded'}`,
    `- **License:** ${version.license ?? 'not recorded'}`,
    `- **Intended use:** ${version.intendedUse ?? 'not recorded'}`,
    `- **Registered by:** ${version.registeredBy} on ${version.createdAt.toISOString()}`,
    '',
    '## Profile',
    '',
    '| column | kind | present | missing | min | max | mean | std | top values |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...version.columns.map((c) => {
      const top = c.categories ? Object.entries(c.categories).slice(0, 5).map(([k, v]) => `${k} (${v})`).join(', ') : '';
      const stat = (v?: number) => (v === undefined ? '' : num(v));
      return `| ${cell(c.name)} | ${c.kind} | ${c.count} | ${c.nullCount + c.nanCount} | ${stat(c.min)} | ${stat(c.max)} | ${stat(c.mean)} | ${stat(c.std)} | ${cell(top)} |`;
    }),
    '',
  ];
  return lines.join('\n');
}

/** A model version's card: intended use, data, metrics, fairness, feature importances, approvals and lineage. */
export function modelCardMarkdown(input: {
  modelName: string;
  version: ModelVersionRow;
  dataset: (DatasetVersionRow & { datasetName: string }) | null;
  run: PipelineRunRow | null;
  decisions: readonly GateDecisionRecord[];
  trials: TrialRow[];
}): string {
  const { modelName, version, dataset, run, decisions, trials } = input;
  const spec = run?.spec as PipelineSpec | undefined;
  const fairness = version.fairness;
  const lines = [
    `# Model card: ${modelName} v${version.version}`,
    '',
    spec?.description ?? '',
    '',
    '## Intended use',
    '',
    dataset?.intendedUse ? `Trained on data whose stated intended use is: ${dataset.intendedUse}` : 'No intended use was recorded with the training data.',
    '',
    '## Model',
    '',
    `- **Task:** ${version.task}, predicting \`${version.target}\` from ${version.features.length} features`,
    `- **Trainer:** ${version.trainer} with ${JSON.stringify(version.params)}`,
    `- **Artifact (sha256):** \`${version.artifactSha256}\``,
    `- **Code version:** ${version.codeVersion}`,
    '',
    ...leaderboardSection(trials, spec),
    ...featureSection(trials.find((t) => t.id === version.trialId)?.featureDecisions ?? null),
    ...environmentSection(trials.find((t) => t.id === version.trialId)?.environment ?? null),
    '## Data',
    '',
    dataset
      ? `${dataset.datasetName} v${dataset.version} (\`${dataset.sha256}\`), ${dataset.rowCount} rows; see its datasheet (\`datasetVersion(input: { id: "${dataset.id}" }) { datasheet }\`).`
      : 'unknown',
    '',
    '## Metrics (held-out test split)',
    '',
    '| metric | value |',
    '| --- | --- |',
    ...Object.entries(version.metrics).map(([k, v]) => `| ${k} | ${num(v)} |`),
    '',
    ...privacySection(version.privacy),
    '## Fairness',
    '',
    ...(fairness
      ? [
          `Sensitive attribute \`${fairness.attribute}\`, favourable outcome \`${fairness.positiveClass}\`: demographic parity difference ${num(fairness.demographicParityDifference)}, equal opportunity difference ${num(fairness.equalOpportunityDifference)}.`,
          '',
          '| group | rows | selection rate | true positive rate |',
          '| --- | --- | --- | --- |',
          ...fairness.groups.map((g) => `| ${cell(g.group)} | ${g.count} | ${num(g.selectionRate)} | ${g.truePositiveRate === null ? '' : num(g.truePositiveRate)} |`),
        ]
      : ['No sensitive attribute was named in the spec, so no fairness figures were computed.']),
    '',
    '## Feature importance (permutation, test split)',
    '',
    '| feature | importance | std |',
    '| --- | --- | --- |',
    ...version.importances.map((f) => `| ${cell(f.feature)} | ${num(f.importance)} | ${num(f.std)} |`),
    '',
    ...explanationLines(version.explanations),
    '## Approvals',
    '',
    ...(decisions.filter((d) => d.accepted).length > 0
      ? decisions.filter((d) => d.accepted).map((d) => `- ${d.gate}: ${d.decision} by ${d.actor} (${d.via}) at ${d.decidedAt}${d.comment ? `: "${d.comment}"` : ''}`)
      : ['No gate decisions.']),
    '',
    '## Lineage',
    '',
    `- Run \`${version.runId}\`${run ? ` (${run.pipelineName}, submitted by ${run.submittedBy}${run.parentRunId ? `, from run \`${run.parentRunId}\`` : ''})` : ''}`,
    `- Trial \`${version.trialId ?? 'unknown'}\``,
    `- Dataset version \`${version.datasetVersionId}\``,
    '',
  ];
  return lines.join('\n');
}

/** The privacy guarantee of a DP-SGD model, beside its metrics. */
function privacySection(privacy: ModelVersionRow['privacy']): string[] {
  if (!privacy) return ['## Privacy', '', 'Trained without differential privacy.', ''];
  return [
    '## Privacy',
    '',
    `Trained with DP-SGD: **(ε = ${num(privacy.epsilon)}, δ = ${privacy.delta.toExponential()})-differentially private** with respect to each training row, by the Rényi-DP accountant for the Poisson-sampled Gaussian mechanism.`,
    '',
    `- noise multiplier ${num(privacy.noiseMultiplier)}, per-example gradients clipped to L2 norm ${num(privacy.clipNorm)}`,
    `- ${privacy.steps} steps over ${privacy.epochs} epochs, lots of ${privacy.batchSize} rows on average (sampling rate ${num(privacy.samplingRate)})`,
    '- The lots and the noise were drawn from a cryptographically secure source, not from the training seed: retraining with the stored seed and data gives another model, so it cannot be matched against this one to tell whether a row was used. The model is therefore not bit-reproducible; a reproduction reports the difference as expected.',
    '- Not covered: the standardisation of numeric inputs (means and deviations of the training rows) and the choice of categories, which are learned from the data outside the private steps.',
    '',
  ];
}

/** The search that chose the model: every succeeded trial of every trainer, best first. */
function leaderboardSection(trials: TrialRow[], spec: PipelineSpec | undefined): string[] {
  if (!spec || trials.length === 0) return [];
  const metric = spec.evaluation.primaryMetric;
  const entries = leaderboard(trials, metric);
  return [
    `## Model selection (${entries.length} trials, ranked by validation ${metric})`,
    '',
    `| rank | trial | trainer | params | ${metric} | rows seen | seconds |`,
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...entries.map(
      (e) =>
        `| ${e.rank} | ${e.trialIndex} | ${e.trainer} | ${cell(JSON.stringify(e.params))} | ${e.value === null ? '' : num(e.value)} | ${Math.round(e.sampleFraction * 100)}% | ${e.durationMs === null ? '' : (e.durationMs / 1000).toFixed(1)} |`,
    ),
    '',
  ];
}

/** What the chosen trial was trained with; a command trainer's packages are many, so they fold into one line. */
function environmentSection(environment: TrialEnvironment | null): string[] {
  if (!environment) return [];
  const lines = [...flatEnvironment(environment)].filter(([key]) => !key.startsWith('package '));
  const packages = Object.entries(environment.packages ?? {});
  return [
    '## Environment',
    '',
    ...lines.map(([key, value]) => `- **${cell(key)}:** ${cell(value)}`),
    ...(packages.length > 0 ? [`- **packages (${packages.length}):** ${cell(packages.map(([name, v]) => `${name} ${v}`).join(', '))}`] : []),
    '',
  ];
}

/** What the features section generated, kept and dropped for the chosen trial, and why. */
function featureSection(decisions: FeatureDecisionRecord[] | null): string[] {
  if (!decisions || decisions.length === 0) return [];
  const kept = decisions.filter((d) => d.action === 'kept').length;
  return [
    `## Features (${kept} kept of ${decisions.length})`,
    '',
    '| feature | from | how | decision | why |',
    '| --- | --- | --- | --- | --- |',
    ...decisions.map((d) => `| ${cell(d.feature)} | ${cell(d.source)} | ${cell(d.how)} | ${d.action} | ${cell(d.reason)} |`),
    '',
  ];
}

/** The card's explanations: mean |SHAP| per column on the test split, and the rows scored highest and lowest. */
function explanationLines(explanations: ModelVersionRow['explanations']): string[] {
  if (!explanations) return [];
  if ('skipped' in explanations) return ['## Explanations (SHAP)', '', `Not computed: ${explanations.skipped}.`, ''];
  const { rows, of, link, base } = explanations;
  const top = (row: { top: { feature: string; value: number }[] }) => row.top.map((c) => `${cell(c.feature)} ${c.value >= 0 ? '+' : ''}${num(c.value)}`).join(', ');
  return [
    `## Explanations (SHAP, ${rows} test rows)`,
    '',
    `Exact SHAP values of the output explained (${cell(of)}, link ${link}; base value ${num(base)}), per input column.`,
    '',
    '| feature | mean \\|SHAP\\| |',
    '| --- | --- |',
    ...explanations.meanAbs.map((m) => `| ${cell(m.feature)} | ${num(m.value)} |`),
    '',
    '| test row | output | top contributions |',
    '| --- | --- | --- |',
    ...explanations.extremes.map((e) => `| ${e.rank} | ${num(e.output)} | ${top(e)} |`),
    '',
  ];
}
