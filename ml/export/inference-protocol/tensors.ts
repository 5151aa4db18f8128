import type { ModelArtifact } from '../../artifact.js';
import type { ColumnKind } from '../../../domain/data/profile.js';

/**
 * The Open Inference Protocol's tensors, translated to and from Custody's rows and predictions at the edge: one
 * input tensor per raw column of the model (shape [n] or [n, 1]), one row per index; outputs `label`,
 * `probabilities` (classifiers) and, where predictions are logged, `prediction_id` (for recordFeedback). Used by
 * the API's and the data plane's serving and by `custody serve` for a bundle alone.
 */

/** A request the protocol refuses: the field at fault (`inputs[2].data[3]`) and why, never quoting a value. */
export class TensorInputError extends Error {
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(`${path} ${reason}`);
    this.name = 'TensorInputError';
  }
}

/** One prediction as the outputs carry it: its value, a classifier's probabilities, and its id where it was logged. */
export interface TensorPrediction {
  value: string | number;
  probabilities: Record<string, number> | null;
  predictionId?: string;
}

const refuse = (path: string, reason: string) => new TensorInputError(path, reason);

/** A tensor's description in model metadata; -1 is a dimension of any size. */
export interface MetadataTensor {
  name: string;
  datatype: string;
  shape: number[];
}

/** A tensor of a response, with its data flat in row-major order. */
export interface ResponseOutput extends MetadataTensor {
  parameters?: Record<string, string | number | boolean>;
  data: (string | number)[];
}

/** A request read into what the service takes: rows of feature values, and what to answer. */
export interface InferenceRequest {
  id: string | undefined;
  key: string | undefined;
  rows: Record<string, unknown>[];
  /** The input tensors' names, in request order, to name a tensor in an error about one of its values. */
  inputs: string[];
  outputs: string[];
}

/** The columns a request may name: each with the kinds the deployed versions give it, and those every version needs. */
export interface Columns {
  kinds: Map<string, Set<ColumnKind>>;
  required: string[];
}

const NUMERIC = ['FP64', 'FP32', 'INT64', 'INT32', 'INT16', 'INT8', 'UINT64', 'UINT32', 'UINT16', 'UINT8'];
const CATEGORICAL = ['BYTES', 'BOOL'];
/** Integer types' ranges (INT64 and UINT64 as far as a JSON number is exact). */
const INTEGER_RANGE: Record<string, [number, number]> = {
  INT8: [-(2 ** 7), 2 ** 7 - 1],
  INT16: [-(2 ** 15), 2 ** 15 - 1],
  INT32: [-(2 ** 31), 2 ** 31 - 1],
  INT64: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  UINT8: [0, 2 ** 8 - 1],
  UINT16: [0, 2 ** 16 - 1],
  UINT32: [0, 2 ** 32 - 1],
  UINT64: [0, Number.MAX_SAFE_INTEGER],
};

/** The platform named in model metadata. */
export const PLATFORM = 'custody';

/** A model's inputs in metadata: a column of numbers is FP64 (what the model computes in), any other BYTES. */
export function inputTensors(artifact: ModelArtifact): MetadataTensor[] {
  return artifact.features.map((f) => ({ name: f.name, datatype: f.kind === 'numeric' ? 'FP64' : 'BYTES', shape: [-1] }));
}

/** A model's outputs in metadata: the label, a classifier's probabilities (one column per class), and each logged prediction's id. */
export function outputTensors(artifact: ModelArtifact, { logged = true }: { logged?: boolean } = {}): MetadataTensor[] {
  const classifier = artifact.task === 'classification';
  return [
    { name: 'label', datatype: classifier ? 'BYTES' : 'FP64', shape: [-1] },
    ...(classifier ? [{ name: 'probabilities', datatype: 'FP64', shape: [-1, artifact.classes?.length ?? -1] }] : []),
    ...(logged ? [{ name: 'prediction_id', datatype: 'BYTES', shape: [-1] }] : []),
  ];
}

/** The columns a request to these versions may name: any version's column is known, every version's is required. */
export function columnsOf(artifacts: ModelArtifact[]): Columns {
  const kinds = new Map<string, Set<ColumnKind>>();
  for (const feature of artifacts.flatMap((a) => a.features)) kinds.set(feature.name, (kinds.get(feature.name) ?? new Set()).add(feature.kind));
  const required = [...kinds.keys()].filter((name) => artifacts.every((a) => a.features.some((f) => f.name === name)));
  return { kinds, required };
}

/** Reads an inference request body into rows; every refusal names the field and why, and never quotes a value. */
export function readInferenceRequest(body: unknown, columns: Columns, outputs: MetadataTensor[], maxRows: number): InferenceRequest {
  if (!isObject(body)) throw refuse('body', 'must be a JSON object with "inputs"');
  const { id, parameters, inputs, outputs: requested } = body;
  if (id !== undefined && typeof id !== 'string') throw refuse('id', 'must be a string');
  if (parameters !== undefined && !isObject(parameters)) throw refuse('parameters', 'must be an object');
  const key = isObject(parameters) ? parameters.key : undefined;
  if (key !== undefined && typeof key !== 'string') throw refuse('parameters.key', 'must be a string');
  if (!Array.isArray(inputs) || inputs.length === 0) throw refuse('inputs', 'must be a non-empty list of tensors, one per column');
  const tensors = inputs.map((input, i) => readInput(input, i, columns));
  const rows = rowsOf(tensors, columns, maxRows);
  return { id, key, rows, inputs: tensors.map((t) => t.name), outputs: requestedOutputs(requested, outputs) };
}

/** One column's tensor, read: its name and one value per row. */
interface ColumnTensor {
  name: string;
  values: unknown[];
}

function readInput(input: unknown, index: number, columns: Columns): ColumnTensor {
  const at = `inputs[${index}]`;
  if (!isObject(input)) throw refuse(at, 'must be a tensor object with name, shape, datatype and data');
  const { name, shape, datatype, data } = input;
  if (typeof name !== 'string') throw refuse(`${at}.name`, 'must be a string');
  const kinds = columns.kinds.get(name);
  if (!kinds) throw refuse(`${at}.name`, `"${name}" is not an input of this model (its inputs are ${[...columns.kinds.keys()].join(', ')})`);
  if (typeof datatype !== 'string') throw refuse(`${at}.datatype`, 'must be a string');
  const fits = [...kinds].flatMap((kind) => (kind === 'numeric' ? NUMERIC : CATEGORICAL));
  if (!fits.includes(datatype)) throw refuse(`${at}.datatype`, `${datatype} does not fit ${name}, a ${[...kinds].join(' or ')} column: send ${fits.join(', ')}`);
  return { name, values: valuesOf(shape, data, datatype, at, name) };
}

/** A column tensor's values, one per row: its shape [n] or [n, 1], and each element of its datatype. */
function valuesOf(shape: unknown, data: unknown, datatype: string, at: string, name: string): unknown[] {
  if (!Array.isArray(shape) || !(shape.length === 1 || (shape.length === 2 && shape[1] === 1)) || !Number.isInteger(shape[0]) || shape[0] < 0) {
    throw refuse(`${at}.shape`, `must be [n] or [n, 1] for ${name}, one value per row`);
  }
  if (!Array.isArray(data)) throw refuse(`${at}.data`, 'must be a list of values');
  // The protocol allows a tensor's natural nesting ([[1], [2]] for shape [2, 1]) as well as the flat list.
  const values = data.every((v) => Array.isArray(v) && v.length === 1) ? data.map((v: unknown[]) => v[0]) : data;
  if (values.length !== shape[0]) throw refuse(`${at}.data`, `holds ${values.length} values for ${name}, but its shape [${shape.join(', ')}] says ${shape[0]}`);
  values.forEach((value, row) => checkElement(value, datatype, `${at}.data[${row}]`, name));
  return values;
}

/** One element against its tensor's datatype; null is a value missing on purpose, as in REST. */
function checkElement(value: unknown, datatype: string, path: string, name: string): void {
  if (value === null) return;
  const fits = datatype === 'BYTES' ? typeof value === 'string' : datatype === 'BOOL' ? typeof value === 'boolean' : fitsNumber(value, datatype);
  if (!fits) throw refuse(path, `of ${name} must be ${elementOf(datatype)} (the tensor's datatype is ${datatype})`);
}

function fitsNumber(value: unknown, datatype: string): boolean {
  if (typeof value !== 'number' || !Number.isFinite(value)) return false;
  const range = INTEGER_RANGE[datatype];
  return !range || (Number.isInteger(value) && value >= range[0] && value <= range[1]);
}

/** What one element of `datatype` is, as an error says it. */
function elementOf(datatype: string): string {
  if (datatype === 'BYTES') return 'a string';
  if (datatype === 'BOOL') return 'true or false';
  const range = INTEGER_RANGE[datatype];
  return range ? `an integer from ${range[0]} to ${range[1]}` : 'a finite number';
}

/** The rows the tensors make: every tensor one value per row, every column the versions need present. */
function rowsOf(tensors: ColumnTensor[], columns: Columns, maxRows: number): Record<string, unknown>[] {
  const count = tensors[0]!.values.length;
  tensors.forEach((tensor, i) => {
    if (tensors.findIndex((t) => t.name === tensor.name) !== i) throw refuse(`inputs[${i}].name`, `"${tensor.name}" is given twice`);
    if (tensor.values.length !== count) throw refuse(`inputs[${i}].shape`, `gives ${tensor.name} ${tensor.values.length} rows, but ${tensors[0]!.name} has ${count}: every input needs one value per row`);
  });
  const missing = columns.required.find((name) => !tensors.some((t) => t.name === name));
  if (missing) throw refuse('inputs', `has no tensor ${missing}: the model needs one per column (null in data for a value missing on purpose)`);
  if (count === 0 || count > maxRows) throw refuse('inputs[0].shape', `must give 1 to ${maxRows} rows`);
  return Array.from({ length: count }, (_, row) => Object.fromEntries(tensors.map((t) => [t.name, t.values[row]])));
}

/** The outputs asked for, by name (all of them when none are), each one the model gives. */
function requestedOutputs(requested: unknown, outputs: MetadataTensor[]): string[] {
  if (requested === undefined) return outputs.map((o) => o.name);
  if (!Array.isArray(requested)) throw refuse('outputs', 'must be a list of {"name": …}');
  return requested.map((output, i) => {
    const name = isObject(output) ? output.name : undefined;
    if (typeof name !== 'string') throw refuse(`outputs[${i}].name`, 'must be a string');
    if (!outputs.some((o) => o.name === name)) throw refuse(`outputs[${i}].name`, `"${name}" is not an output of this model (its outputs are ${outputs.map((o) => o.name).join(', ')})`);
    return name;
  });
}

/**
 * The response's output tensors for one version's predictions: `label` (BYTES, or FP64 for regression),
 * `probabilities` [n, classes] FP64 with the class order as a JSON list in `parameters.classes`, and `prediction_id`.
 */
export function outputsOf(predictions: TensorPrediction[], artifact: ModelArtifact, names: string[]): ResponseOutput[] {
  const n = predictions.length;
  const classifier = artifact.task === 'classification';
  const classes = artifact.classes ?? Object.keys(predictions[0]?.probabilities ?? {});
  const tensors: Record<string, () => ResponseOutput | null> = {
    label: () => ({ name: 'label', datatype: classifier ? 'BYTES' : 'FP64', shape: [n], data: predictions.map((p) => (classifier ? String(p.value) : Number(p.value))) }),
    probabilities: () =>
      predictions.every((p) => p.probabilities)
        ? { name: 'probabilities', datatype: 'FP64', shape: [n, classes.length], parameters: { classes: JSON.stringify(classes) }, data: predictions.flatMap((p) => classes.map((c) => p.probabilities![c]!)) }
        : null,
    prediction_id: () => (predictions.every((p) => p.predictionId) ? { name: 'prediction_id', datatype: 'BYTES', shape: [n], data: predictions.map((p) => p.predictionId!) } : null),
  };
  return names.map((name) => tensors[name]?.() ?? null).filter((t): t is ResponseOutput => t !== null);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
