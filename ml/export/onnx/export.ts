import { ENGINE, type ModelArtifact } from '../../artifact.js';
import { addEstimator, OUTPUTS } from './estimators.js';
import { OnnxExportError } from './export-error.js';
import { GraphBuilder, IR_VERSION, OPSETS } from './graph.js';
import { modelInputs } from './preprocess.js';
import { encodeModel } from '../../onnx/proto.js';

/** What the exported file says it is: the registry's model and version, and the Custody that wrote it. */
export interface ExportedModel {
  model: string;
  version: number;
  producerVersion: string;
}

/**
 * A built-in model as an ONNX model (bytes of a ModelProto): the learned preprocessing and the estimator in one
 * graph, taking the raw columns as named inputs and giving `label` and, for a classifier, `probabilities`, as
 * Custody's own prediction gives them. What has no faithful ONNX form is refused with an `OnnxExportError` naming
 * it, never approximated. The same artifact always gives the same bytes.
 */
export function exportOnnx(artifact: ModelArtifact, about: ExportedModel): Uint8Array {
  if (artifact.kind === 'command') {
    throw new OnnxExportError([{ path: 'training.trainer', message: 'a command model runs its own program, which has no ONNX export; only the built-in trainers’ models can be exported' }]);
  }
  if (artifact.kind === 'onnx') {
    throw new OnnxExportError([{ path: 'training.trainer', message: 'an imported model is an ONNX file already: export gives back the file that was imported' }]);
  }
  if (artifact.engine !== ENGINE) {
    throw new OnnxExportError([{ path: 'training.trainer', message: `this ${artifact.trainer} model was trained by the first version’s libraries, which have no ONNX export; train it again to export it` }]);
  }
  const clash = artifact.features.find((f) => f.name === OUTPUTS.label || f.name === OUTPUTS.probabilities);
  if (clash) throw new OnnxExportError([{ path: 'features', message: `a column named ${clash.name} would have the name of the graph's output` }]);
  const g = new GraphBuilder();
  const { X, width } = modelInputs(g, artifact);
  addEstimator(g, artifact, X, width);
  const name = `${about.model}-v${about.version}`;
  const graph = g.build(name, `${artifact.trainer} (${artifact.task}) predicting ${artifact.target}`);
  return encodeModel({
    ir_version: IR_VERSION,
    opset_import: OPSETS,
    producer_name: 'custody',
    producer_version: about.producerVersion,
    model_version: about.version,
    doc_string: `${about.model} version ${about.version}, exported from Custody`,
    graph,
    metadata_props: [
      { key: 'custody.model', value: about.model },
      { key: 'custody.version', value: String(about.version) },
      { key: 'custody.trainer', value: artifact.trainer },
      { key: 'custody.task', value: artifact.task },
      { key: 'custody.target', value: artifact.target },
      ...(artifact.classes ? [{ key: 'custody.classes', value: JSON.stringify(artifact.classes) }] : []),
    ],
  });
}
