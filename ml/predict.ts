import type { Row } from '../storage/read-rows.js';
import type { ArtifactStore } from '../storage/artifact-store.js';
import { predictBuiltIn } from './trainers/built-in.js';
import { predictOnnx } from './onnx/run.js';
import type { CommandServers } from './command/server.js';
import { predictWithCommand } from './command/trainer.js';
import { parseArtifact, type ModelArtifact } from './artifact.js';
import { classificationMetrics, regressionMetrics, type Predictions } from './metrics.js';
import type { Metrics } from '../domain/pipeline/decisions.js';

export async function loadArtifact(store: ArtifactStore, sha256: string): Promise<ModelArtifact> {
  return parseArtifact(await store.read(sha256));
}

/**
 * Predicts with any model artifact: in process for built-in models and imported ONNX models (onnxruntime, each
 * model loaded once); for command models through their warm serve-mode process when `commands` is given
 * (serving), else a process for this call (batch scoring).
 */
export async function predictRows(store: ArtifactStore, artifact: ModelArtifact, rows: Row[], signal?: AbortSignal, commands?: CommandServers): Promise<Predictions> {
  if (artifact.kind === 'builtin') return predictBuiltIn(artifact, rows);
  if (artifact.kind === 'onnx') return await predictOnnx(artifact, () => store.read(artifact.modelSha256), rows);
  // The model's file is read (and decrypted) in memory; its process gets a private copy for as long as it runs.
  if (commands) return await commands.predict(artifact, () => store.read(artifact.modelSha256), rows);
  return await predictWithCommand(artifact, await store.read(artifact.modelSha256), rows, { signal });
}

/** The task's metrics of predictions on labelled rows. */
export function metricsOf(artifact: ModelArtifact, rows: Row[], predictions: Predictions): Metrics {
  return artifact.task === 'classification'
    ? classificationMetrics(rows.map((r) => String(r[artifact.target])), predictions)
    : regressionMetrics(rows.map((r) => Number(r[artifact.target])), predictions.values.map(Number));
}

/**
 * The task's metrics on several sets of labelled rows, predicted in one call: a model behind a command
 * starts once for all of them.
 */
export async function scoreMany(store: ArtifactStore, artifact: ModelArtifact, datasets: Row[][], signal?: AbortSignal): Promise<Metrics[]> {
  const predictions = await predictRows(store, artifact, datasets.flat(), signal);
  let offset = 0;
  return datasets.map((rows) => {
    const slice: Predictions = {
      values: predictions.values.slice(offset, offset + rows.length),
      ...(predictions.probabilities ? { probabilities: predictions.probabilities.slice(offset, offset + rows.length) } : {}),
      ...(predictions.classes ? { classes: predictions.classes } : {}),
    };
    offset += rows.length;
    return metricsOf(artifact, rows, slice);
  });
}

/** The task's metrics of an artifact on labelled rows. */
export async function scoreRows(store: ArtifactStore, artifact: ModelArtifact, rows: Row[], signal?: AbortSignal): Promise<Metrics> {
  return metricsOf(artifact, rows, await predictRows(store, artifact, rows, signal));
}
