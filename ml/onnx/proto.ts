import { readFileSync } from 'node:fs';
import path from 'node:path';
import protobuf, { type Type } from 'protobufjs';
import { PROJECT_ROOT } from '../../paths.js';

/**
 * The parts of ONNX's schema (onnx-ml.proto, vendored beside this file) that an export writes and an import reads,
 * with the schema's own field names. protobufjs encodes and decodes them from the schema; no byte is handled by hand.
 */

/** TensorProto.DataType: the element types an export uses. */
export const DataType = { FLOAT: 1, INT64: 7, STRING: 8, BOOL: 9, DOUBLE: 11 } as const;
export type DataTypeCode = (typeof DataType)[keyof typeof DataType];

/** AttributeProto.AttributeType. */
export const AttributeType = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, FLOATS: 6, INTS: 7, STRINGS: 8 } as const;

export interface TensorProto {
  name?: string;
  dims: number[];
  data_type: DataTypeCode;
  double_data?: number[];
  float_data?: number[];
  int64_data?: number[];
  string_data?: Uint8Array[];
}

export interface AttributeProto {
  name: string;
  type: (typeof AttributeType)[keyof typeof AttributeType];
  f?: number;
  i?: number;
  s?: Uint8Array;
  t?: TensorProto;
  floats?: number[];
  ints?: number[];
  strings?: Uint8Array[];
}

export interface NodeProto {
  name: string;
  op_type: string;
  domain: string;
  input: string[];
  output: string[];
  attribute: AttributeProto[];
}

/** A dimension: a fixed size, or a name for a size known only at run time (the batch). */
export type Dimension = { dim_value: number } | { dim_param: string };

export interface ValueInfoProto {
  name: string;
  doc_string?: string;
  type: { tensor_type: { elem_type: DataTypeCode; shape: { dim: Dimension[] } } };
}

export interface GraphProto {
  name: string;
  doc_string?: string;
  node: NodeProto[];
  initializer: TensorProto[];
  input: ValueInfoProto[];
  output: ValueInfoProto[];
  /** Types of inner values that a checker cannot infer (the outputs of some ONNX-ML operators). */
  value_info: ValueInfoProto[];
}

export interface ModelProto {
  ir_version: number;
  opset_import: { domain: string; version: number }[];
  producer_name: string;
  producer_version: string;
  model_version?: number;
  doc_string?: string;
  graph: GraphProto;
  metadata_props: { key: string; value: string }[];
}

let schema: Type | undefined;

/** onnx.ModelProto from the vendored schema, parsed once, with the schema's field names kept. */
function modelType(): Type {
  if (!schema) {
    const source = readFileSync(path.join(PROJECT_ROOT, 'ml', 'onnx', 'onnx-ml.proto'), 'utf8');
    schema = protobuf.parse(source, { keepCase: true }).root.lookupType('onnx.ModelProto');
  }
  return schema;
}

/** A model's bytes, as an ONNX file holds them. */
export function encodeModel(model: ModelProto): Uint8Array {
  const type = modelType();
  const problem = type.verify(model);
  if (problem) throw new Error(`an ONNX model that does not fit the schema: ${problem}`);
  return type.encode(type.fromObject(model)).finish();
}

/** A model read from its bytes (int64 fields as numbers, bytes as Buffers): an imported file, or a check of what was written. */
export function decodeModel(bytes: Uint8Array): ModelProto {
  const type = modelType();
  return type.toObject(type.decode(bytes), { longs: Number, bytes: Buffer, defaults: false, arrays: true }) as ModelProto;
}
