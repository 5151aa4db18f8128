import { AttributeType, DataType, type AttributeProto, type DataTypeCode, type GraphProto, type NodeProto, type TensorProto, type ValueInfoProto } from '../../onnx/proto.js';

/** The operator sets an export uses: ONNX 17 and ONNX-ML 3 (doubles in the tree ensembles), IR version 8. */
export const IR_VERSION = 8;
export const OPSETS = [
  { domain: '', version: 17 },
  { domain: 'ai.onnx.ml', version: 3 },
];
export const ML = 'ai.onnx.ml';

/** An attribute's value, tagged with its ONNX type (a number alone cannot say whether it is an int or a float). */
export type Attribute =
  | { int: number }
  | { float: number }
  | { string: string }
  | { ints: number[] }
  | { floats: number[] }
  | { strings: string[] }
  | { tensor: TensorProto };

const utf8 = (text: string) => Buffer.from(text, 'utf8');

function attributeOf(name: string, value: Attribute): AttributeProto {
  if ('int' in value) return { name, type: AttributeType.INT, i: value.int };
  if ('float' in value) return { name, type: AttributeType.FLOAT, f: value.float };
  if ('string' in value) return { name, type: AttributeType.STRING, s: utf8(value.string) };
  if ('ints' in value) return { name, type: AttributeType.INTS, ints: value.ints };
  if ('floats' in value) return { name, type: AttributeType.FLOATS, floats: value.floats };
  if ('strings' in value) return { name, type: AttributeType.STRINGS, strings: value.strings.map(utf8) };
  return { name, type: AttributeType.TENSOR, t: value.tensor };
}

/** A tensor of doubles, as an attribute (`*_as_tensor`) or an initializer holds it. */
export const doubleTensor = (values: ArrayLike<number>, dims: number[] = [values.length]): TensorProto => ({ dims, data_type: DataType.DOUBLE, double_data: Array.from(values) });

/** The batch dimension: as many rows as are given. */
export const BATCH = { dim_param: 'N' } as const;

/**
 * Builds one ONNX graph: nodes in the order they are added (each added after its inputs), constants as
 * initializers, every name unique.
 */
export class GraphBuilder {
  private readonly nodes: NodeProto[] = [];
  private readonly initializers: TensorProto[] = [];
  private readonly inputs: ValueInfoProto[] = [];
  private readonly outputs: ValueInfoProto[] = [];
  private readonly inner: ValueInfoProto[] = [];
  private readonly taken = new Set<string>();
  private readonly counts = new Map<string, number>();

  /** A fresh name from a hint: letters, digits and underscores, numbered when the hint was used before. */
  private fresh(hint: string): string {
    const base = hint.replace(/[^A-Za-z0-9_]+/g, '_').replace(/^_+|_+$/g, '') || 'v';
    let n = this.counts.get(base) ?? 0;
    let name = n === 0 ? base : `${base}_${n}`;
    while (this.taken.has(name)) name = `${base}_${++n}`;
    this.counts.set(base, n + 1);
    this.taken.add(name);
    return name;
  }

  /** A graph input of the given element type, shaped [N, 1]; its name is exactly `name`. */
  input(name: string, type: DataTypeCode, doc: string): string {
    if (this.taken.has(name)) throw new Error(`two graph values are named ${name}`);
    this.taken.add(name);
    this.inputs.push({ name, doc_string: doc, type: { tensor_type: { elem_type: type, shape: { dim: [BATCH, { dim_value: 1 }] } } } });
    return name;
  }

  /** Declares an existing value (named exactly so) as a graph output. */
  output(name: string, type: DataTypeCode, dims: ValueInfoProto['type']['tensor_type']['shape']['dim'], doc: string): void {
    this.outputs.push({ name, doc_string: doc, type: { tensor_type: { elem_type: type, shape: { dim: dims } } } });
  }

  /** States an inner value's type and shape, for checkers that cannot infer them from its operator. */
  declare(name: string, type: DataTypeCode, dims: ValueInfoProto['type']['tensor_type']['shape']['dim']): string {
    this.inner.push({ name, type: { tensor_type: { elem_type: type, shape: { dim: dims } } } });
    return name;
  }

  /** Reserves an exact name for a node's output (a graph output); fails if it is taken. */
  reserve(name: string): string {
    if (this.taken.has(name)) throw new Error(`two graph values are named ${name}`);
    this.taken.add(name);
    return name;
  }

  /** A constant of doubles. */
  doubles(hint: string, values: ArrayLike<number>, dims: number[] = [values.length]): string {
    const name = this.fresh(hint);
    this.initializers.push({ ...doubleTensor(values, dims), name });
    return name;
  }

  /** A constant of 64-bit integers. */
  int64s(hint: string, values: number[], dims: number[] = [values.length]): string {
    const name = this.fresh(hint);
    this.initializers.push({ name, dims, data_type: DataType.INT64, int64_data: values });
    return name;
  }

  /**
   * Adds a node and returns its outputs' names: `outputs` fresh names from hints, or exact names already
   * reserved (graph outputs).
   */
  node(op: string, inputs: string[], attributes: Record<string, Attribute> = {}, options: { domain?: string; outputs?: (string | { exact: string })[] } = {}): string[] {
    const outputs = (options.outputs ?? [op]).map((o) => (typeof o === 'string' ? this.fresh(o) : o.exact));
    const attribute = Object.entries(attributes).map(([name, value]) => attributeOf(name, value));
    this.nodes.push({ name: this.fresh(`${op}_node`), op_type: op, domain: options.domain ?? '', input: inputs, output: outputs, attribute });
    return outputs;
  }

  /** A node of one output. */
  op(op: string, inputs: string[], attributes: Record<string, Attribute> = {}, hint: string = op, domain = ''): string {
    return this.node(op, inputs, attributes, { domain, outputs: [hint] })[0]!;
  }

  build(name: string, doc: string): GraphProto {
    return { name, doc_string: doc, node: this.nodes, initializer: this.initializers, input: this.inputs, output: this.outputs, value_info: this.inner };
  }
}
