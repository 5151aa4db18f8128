import type { ColumnKind } from '../../domain/data/profile.js';
import type { PipelineSpec } from '../../domain/pipeline/spec.js';
import { DataType, decodeModel, type ModelProto, type NodeProto, type ValueInfoProto } from './proto.js';

/** One thing wrong with an ONNX file for the data it is imported with: where (`inputs.petal_lenght`) and why. */
export interface ImportIssue {
  path: string;
  message: string;
}

/** Thrown when a file cannot be imported: every mismatch, each named. */
export class OnnxImportError extends Error {
  constructor(readonly issues: ImportIssue[]) {
    super(issues.map((i) => `${i.path}: ${i.message}`).join('; '));
    this.name = 'OnnxImportError';
  }
}

/** The element types an input may have, as Custody feeds them. */
export type OnnxInputType = 'float' | 'double' | 'int64' | 'string';

/** What an imported graph is, read from its file and checked against its data's columns. */
export interface InspectedOnnx {
  task: PipelineSpec['task'];
  /** The graph's inputs: each a column of the data, by name, with the type and rank ([N] or [N, 1]) it takes. */
  inputs: { name: string; kind: ColumnKind; type: OnnxInputType; rank: 1 | 2 }[];
  /** The outputs read: the label, and a classifier's probabilities [N, classes] when the graph gives them. */
  outputs: { label: string; probabilities?: string };
  /** A classifier's classes in the order of its probabilities' columns. */
  classes?: string[];
  producer: { name: string; version: string };
  opset: number;
}

const INPUT_TYPES: Partial<Record<number, OnnxInputType>> = { [DataType.FLOAT]: 'float', [DataType.DOUBLE]: 'double', [DataType.INT64]: 'int64', [DataType.STRING]: 'string' };
const FLOATS: number[] = [DataType.FLOAT, DataType.DOUBLE];
const CLASSIFIERS = ['LinearClassifier', 'TreeEnsembleClassifier', 'SVMClassifier'];

/**
 * Reads an ONNX file and checks it against the columns of the data it is imported with: every graph input must be
 * a column (not the target) of a fitting kind, one value per row; the outputs must give a label (a classifier's
 * class, or a regression's value), and a classifier's probabilities with their class order. Every mismatch is named.
 */
export function inspectOnnx(bytes: Uint8Array, columns: { name: string; kind: ColumnKind }[], target: string): InspectedOnnx {
  let model: ModelProto;
  try {
    model = decodeModel(bytes);
  } catch (error) {
    throw new OnnxImportError([{ path: 'file', message: `is not an ONNX model (${(error as Error).message})` }]);
  }
  if (!model.graph) throw new OnnxImportError([{ path: 'file', message: 'is not an ONNX model (it has no graph)' }]);
  const issues: ImportIssue[] = [];
  const inputs = inputsOf(model, columns, target, issues);
  const read = outputsOf(model, issues);
  if (issues.length > 0) throw new OnnxImportError(issues);
  const opset = model.opset_import.find((o) => !o.domain || o.domain === 'ai.onnx')?.version ?? 0;
  return { ...read!, inputs, producer: { name: model.producer_name ?? '', version: model.producer_version ?? '' }, opset };
}

function inputsOf(model: ModelProto, columns: { name: string; kind: ColumnKind }[], target: string, issues: ImportIssue[]): InspectedOnnx['inputs'] {
  const initializers = new Set(model.graph.initializer.map((t) => t.name));
  const known = columns.filter((c) => c.name !== target);
  const inputs: InspectedOnnx['inputs'] = [];
  for (const input of model.graph.input.filter((i) => !initializers.has(i.name))) {
    const at = `inputs.${input.name}`;
    const tensor = input.type?.tensor_type;
    const type = tensor ? INPUT_TYPES[tensor.elem_type] : undefined;
    const dims = tensor?.shape?.dim ?? [];
    const second = dims[1];
    if (!type) {
      issues.push({ path: at, message: 'must be a tensor of float, double, int64 or string' });
      continue;
    }
    if (dims.length < 1 || dims.length > 2 || (second && 'dim_value' in second && second.dim_value !== 1)) {
      issues.push({ path: at, message: `takes shape [${dims.map(dimText).join(', ')}]; Custody gives one input per column, each [N] or [N, 1], named as the column` });
      continue;
    }
    const column = known.find((c) => c.name === input.name);
    if (!column) {
      const why = input.name === target ? 'is the target, which the model predicts' : 'is not a column of the data';
      issues.push({ path: at, message: `${why} (its columns are ${known.map((c) => c.name).join(', ')}): the graph needs one input per column, named as the column` });
      continue;
    }
    if ((type === 'string') !== (column.kind === 'categorical')) {
      issues.push({ path: at, message: `takes ${type}, but ${column.name} is a ${column.kind} column: give ${column.kind === 'categorical' ? 'a string' : 'a float, double or int64'} input` });
      continue;
    }
    inputs.push({ name: input.name, kind: column.kind, type, rank: dims.length as 1 | 2 });
  }
  if (inputs.length === 0 && issues.length === 0) issues.push({ path: 'inputs', message: 'the graph takes no input' });
  return inputs;
}

const dimText = (d: { dim_value?: number; dim_param?: string }) => (d.dim_value !== undefined ? String(d.dim_value) : (d.dim_param ?? '?'));

/** The label and probabilities outputs, the task they make, and a classifier's classes. */
function outputsOf(model: ModelProto, issues: ImportIssue[]): Pick<InspectedOnnx, 'task' | 'outputs' | 'classes'> | undefined {
  const tensors = model.graph.output.filter((o) => o.type?.tensor_type);
  const rankOf = (o: ValueInfoProto) => o.type.tensor_type.shape?.dim?.length ?? 0;
  const typeOf = (o: ValueInfoProto) => o.type.tensor_type.elem_type;
  const label = tensors.find((o) => ['label', 'output_label'].includes(o.name)) ?? tensors.find((o) => rankOf(o) >= 1 && rankOf(o) <= 2);
  if (!label) {
    issues.push({ path: 'outputs', message: 'the graph gives no tensor of one value per row to read as the label' });
    return undefined;
  }
  if (FLOATS.includes(typeOf(label)) && rankOf(label) <= 2) return { task: 'regression', outputs: { label: label.name } };
  if (![DataType.STRING, DataType.INT64].includes(typeOf(label) as never)) {
    issues.push({ path: `outputs.${label.name}`, message: 'must be a string or int64 class, or a float or double value' });
    return undefined;
  }
  const probabilities = tensors.find((o) => o !== label && rankOf(o) === 2 && FLOATS.includes(typeOf(o)));
  const classes = classesOf(model);
  if (probabilities && !classes) issues.push({ path: `outputs.${probabilities.name}`, message: 'has no class order: the graph has no classifier node with class labels, nor custody.classes in its metadata' });
  if (!probabilities && model.graph.output.some((o) => !o.type?.tensor_type)) {
    issues.push({ path: 'outputs', message: 'gives its probabilities as a map (ZipMap), which Custody does not read: export them as a tensor (for skl2onnx, options={"zipmap": False})' });
  }
  return { task: 'classification', outputs: { label: label.name, ...(probabilities ? { probabilities: probabilities.name } : {}) }, ...(classes ? { classes } : {}) };
}

/** The class order: Custody's own metadata (custody.classes), or the classifier node's class labels. */
function classesOf(model: ModelProto): string[] | undefined {
  const meta = model.metadata_props?.find((p) => p.key === 'custody.classes');
  if (meta) return JSON.parse(meta.value) as string[];
  const node = model.graph.node.find((n: NodeProto) => CLASSIFIERS.includes(n.op_type));
  const strings = node?.attribute.find((a) => a.name === 'classlabels_strings')?.strings;
  if (strings?.length) return strings.map((s) => Buffer.from(s).toString('utf8'));
  const ints = node?.attribute.find((a) => a.name === 'classlabels_int64s')?.ints;
  return ints?.length ? ints.map(String) : undefined;
}
