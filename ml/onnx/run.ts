import type * as Ort from 'onnxruntime-web';
import type { Row } from '../../storage/read-rows.js';
import type { OnnxModelArtifact } from '../artifact.js';
import type { Predictions } from '../metrics.js';

/** onnxruntime (WebAssembly: no native download), loaded by the first imported model a process predicts with. */
let runtime: Promise<typeof Ort> | undefined;
const ortModule = () =>
  (runtime ??= import('onnxruntime-web').then((ort) => {
    // On this thread: no worker threads to start or stop.
    ort.env.wasm.numThreads = 1;
    return ort;
  }));

/** Sessions by the model file's sha256: a model is loaded once per process, then warm. */
const sessions = new Map<string, Promise<Ort.InferenceSession>>();
const MAX_SESSIONS = 32;

/** The model's session, loaded from `read()` the first time (a failed load is not remembered). */
function sessionOf(artifact: OnnxModelArtifact, read: () => Promise<Uint8Array>): Promise<Ort.InferenceSession> {
  let session = sessions.get(artifact.modelSha256);
  if (!session) {
    if (sessions.size >= MAX_SESSIONS) sessions.delete(sessions.keys().next().value!);
    session = Promise.all([ortModule(), read()]).then(([ort, bytes]) => ort.InferenceSession.create(bytes));
    session.catch(() => sessions.delete(artifact.modelSha256));
    sessions.set(artifact.modelSha256, session);
  }
  return session;
}

/**
 * Predicts with an imported ONNX model: one tensor per input from the rows' columns (a missing number as NaN, a
 * missing category as ""), the label read as Custody's value (a class as text) and the probabilities in the
 * artifact's class order.
 */
export async function predictOnnx(artifact: OnnxModelArtifact, read: () => Promise<Uint8Array>, rows: Row[]): Promise<Predictions> {
  const [ort, session] = await Promise.all([ortModule(), sessionOf(artifact, read)]);
  const feeds = Object.fromEntries(artifact.inputs.map((input) => [input.name, tensorOf(ort, input, rows)]));
  const out = await session.run(feeds, [artifact.outputs.label, ...(artifact.outputs.probabilities ? [artifact.outputs.probabilities] : [])]);
  const labels = Array.from(out[artifact.outputs.label]!.data as ArrayLike<unknown>);
  const values = artifact.task === 'classification' ? labels.map(String) : labels.map(Number);
  const matrix = artifact.outputs.probabilities ? out[artifact.outputs.probabilities]!.data as ArrayLike<number> : undefined;
  if (!matrix || !artifact.classes) return { values };
  const k = artifact.classes.length;
  return { values, classes: artifact.classes, probabilities: rows.map((_, i) => Array.from({ length: k }, (_, c) => Number(matrix[i * k + c]))) };
}

function tensorOf(ort: typeof Ort, input: OnnxModelArtifact['inputs'][number], rows: Row[]): Ort.Tensor {
  const dims = input.rank === 1 ? [rows.length] : [rows.length, 1];
  const values = rows.map((row) => row[input.name]);
  switch (input.type) {
    case 'string':
      return new ort.Tensor('string', values.map((v) => (v === null || v === undefined ? '' : String(v))), dims);
    case 'int64':
      return new ort.Tensor('int64', BigInt64Array.from(values, (v) => BigInt(Math.trunc(Number(v ?? 0)))), dims);
    case 'float':
      return new ort.Tensor('float32', Float32Array.from(values, numberOf), dims);
    case 'double':
      return new ort.Tensor('float64', Float64Array.from(values, numberOf), dims);
  }
}

const numberOf = (v: unknown) => (v === null || v === undefined || v === '' ? Number.NaN : Number(v));
