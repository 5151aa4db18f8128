import { BUNDLE_PATHS, bundleDockerfile } from '../../bundle/contents.js';
import type { BundleFile } from '../../bundle/format.js';
import type { ModelVersionRow } from '../../db/schema/index.js';
import type { Repositories } from '../../db/repositories/index.js';
import { parseArtifact } from '../../ml/artifact.js';
import { OnnxExportError } from '../../ml/export/onnx/export-error.js';
import { exportOnnx } from '../../ml/export/onnx/export.js';
import type { ArtifactStore } from '../../storage/artifact-store.js';
import { datasheetMarkdown, modelCardMarkdown } from './model-card.js';
import { RegistryError } from './registry.error.js';

const json = (value: unknown) => new TextEncoder().encode(`${JSON.stringify(value, null, 2)}\n`);
const text = (value: string) => new TextEncoder().encode(value);

/**
 * The files of a model version's bundle (bundle/contents.ts names each): its native artifact, its ONNX graph where
 * it has a faithful one, its model card, datasheet, training environment, input schema and metrics, and a
 * Dockerfile that serves it alone. A command model is refused: it runs its team's code, which no bundle carries.
 */
export async function bundleFiles(repos: Repositories, store: ArtifactStore, name: string, version: ModelVersionRow, custodyVersion: string): Promise<BundleFile[]> {
  const artifactBytes = await store.read(version.artifactSha256);
  const artifact = parseArtifact(artifactBytes);
  if (artifact.kind === 'command') throw new RegistryError('MODEL_NOT_EXPORTABLE', `${name} v${version.version} cannot be bundled: a command model runs its team's own code, which a bundle does not carry`);
  if (artifact.kind === 'onnx') throw new RegistryError('MODEL_NOT_EXPORTABLE', `${name} v${version.version} cannot be bundled: an imported model runs in onnxruntime, which custody serve does not load; export it as ONNX`);
  const [dataset, run, decisions, trials] = await Promise.all([
    repos.datasets.findVersionsByIds([version.datasetVersionId]).then((rows) => rows[0] ?? null),
    repos.runs.getMany([version.runId]).then((rows) => rows[0] ?? null),
    repos.gates.ofRuns([version.runId]).then((rows) => rows.filter((d) => d.accepted)),
    repos.trials.ofRuns([version.runId]),
  ]);
  const onnx = onnxOf(artifact, name, version.version, custodyVersion);
  const environment = trials.find((t) => t.id === version.trialId)?.environment ?? null;
  const card = {
    model: name,
    version: version.version,
    modelVersionId: version.id,
    task: version.task,
    target: version.target,
    trainer: version.trainer,
    params: version.params,
    metrics: version.metrics,
    fairness: version.fairness,
    importances: version.importances,
    privacy: version.privacy,
    features: version.features,
    artifactSha256: version.artifactSha256,
    codeVersion: version.codeVersion,
    dataset: dataset && { name: dataset.datasetName, version: dataset.version, sha256: dataset.sha256 },
    runId: version.runId,
    approvals: decisions.map((d) => ({ gate: d.gate, actor: d.actor, decision: d.decision, via: d.via, decidedAt: d.decidedAt, comment: d.comment ?? null })),
    onnx: 'reason' in onnx ? { exported: false, reason: onnx.reason } : { exported: true },
    createdAt: version.createdAt.toISOString(),
  };
  return [
    { path: BUNDLE_PATHS.artifact, bytes: artifactBytes },
    ...('bytes' in onnx ? [{ path: BUNDLE_PATHS.onnx, bytes: onnx.bytes }] : []),
    { path: BUNDLE_PATHS.cardMarkdown, bytes: text(modelCardMarkdown({ modelName: name, version, dataset, run, decisions, trials })) },
    { path: BUNDLE_PATHS.cardJson, bytes: json(card) },
    ...(dataset ? [{ path: BUNDLE_PATHS.datasheet, bytes: text(datasheetMarkdown(dataset)) }] : []),
    { path: BUNDLE_PATHS.environment, bytes: json(environment) },
    { path: BUNDLE_PATHS.inputSchema, bytes: json(inputSchema(name, version)) },
    { path: BUNDLE_PATHS.metrics, bytes: json(version.metrics) },
    { path: BUNDLE_PATHS.dockerfile, bytes: text(bundleDockerfile({ model: name, version: version.version, custodyVersion })) },
  ];
}

/** The ONNX graph, or why there is none (the bundle still carries the native model). */
function onnxOf(artifact: ReturnType<typeof parseArtifact>, model: string, version: number, producerVersion: string): { bytes: Uint8Array } | { reason: string } {
  try {
    return { bytes: exportOnnx(artifact, { model, version, producerVersion }) };
  } catch (error) {
    if (error instanceof OnnxExportError) return { reason: error.message };
    throw error;
  }
}

/** JSON Schema (2020-12) of one input: each raw column the model takes, a number or text, null where the model imputes it. */
export function inputSchema(name: string, version: ModelVersionRow): Record<string, unknown> {
  const properties = Object.fromEntries(
    version.features.map((f) => [f.name, f.kind === 'numeric' ? { type: ['number', 'null'] } : { type: ['string', 'number', 'boolean', 'null'] }]),
  );
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    title: `An input of ${name} v${version.version}: one value per column, null for a value missing on purpose`,
    type: 'object',
    properties,
    required: version.features.map((f) => f.name),
  };
}
