import type { Matrix } from '../matrix.js';

/**
 * A fitted decision tree in flat arrays. Node 0 is the root. An inner node sends a row left when its
 * value of `feature` is not above `threshold` (so a missing value goes left, as bin 0 does); a leaf
 * has `feature = -1` and `right` = its index into `values`, which holds `width` numbers per leaf
 * (class shares for a forest classifier, one number otherwise).
 */
export interface Tree {
  feature: Int32Array;
  threshold: Float64Array;
  left: Int32Array;
  right: Int32Array;
  values: Float64Array;
  width: number;
  /**
   * Per node, the training weight that reached it (rows, or bootstrap counts times class weights): what TreeSHAP's
   * path-dependent expectation weighs the branches by. Absent in trees grown before explanations.
   */
  cover?: Float64Array;
}

/** Grows a tree's arrays node by node, doubling as it goes. */
export class TreeBuilder {
  private feature = new Int32Array(64);
  private threshold = new Float64Array(64);
  private left = new Int32Array(64);
  private right = new Int32Array(64);
  private values = new Float64Array(64);
  private covers = new Float64Array(64);
  private nodes = 0;
  private leaves = 0;

  constructor(private readonly width: number) {}

  /** Reserves a node and returns its index; it becomes a leaf or a split later. */
  add(): number {
    if (this.nodes === this.feature.length) {
      const grow = <T extends Int32Array | Float64Array>(a: T): T => {
        const b = new (a.constructor as new (n: number) => T)(a.length * 2);
        b.set(a);
        return b;
      };
      [this.feature, this.threshold, this.left, this.right, this.covers] = [grow(this.feature), grow(this.threshold), grow(this.left), grow(this.right), grow(this.covers)];
    }
    return this.nodes++;
  }

  /** The training weight that reached `node`. */
  cover(node: number, weight: number): void {
    this.covers[node] = weight;
  }

  split(node: number, feature: number, threshold: number, left: number, right: number): void {
    this.feature[node] = feature;
    this.threshold[node] = threshold;
    this.left[node] = left;
    this.right[node] = right;
  }

  leaf(node: number, value: ArrayLike<number>): void {
    const at = this.leaves++ * this.width;
    while (at + this.width > this.values.length) {
      const bigger = new Float64Array(this.values.length * 2);
      bigger.set(this.values);
      this.values = bigger;
    }
    for (let k = 0; k < this.width; k++) this.values[at + k] = value[k]!;
    this.feature[node] = -1;
    this.left[node] = -1;
    this.right[node] = at / this.width;
  }

  build(): Tree {
    const n = this.nodes;
    return {
      feature: this.feature.slice(0, n),
      threshold: this.threshold.slice(0, n),
      left: this.left.slice(0, n),
      right: this.right.slice(0, n),
      values: this.values.slice(0, this.leaves * this.width),
      width: this.width,
      cover: this.covers.slice(0, n),
    };
  }
}

/** The leaf index row `i` of `X` falls in. */
export function leafOf(tree: Tree, X: Matrix, i: number): number {
  const base = i * X.cols;
  let node = 0;
  while (tree.feature[node]! >= 0) {
    node = X.data[base + tree.feature[node]!]! > tree.threshold[node]! ? tree.right[node]! : tree.left[node]!;
  }
  return tree.right[node]!;
}

/** A tree as JSON-safe text: each array base64-encoded, about a third of the size of number lists. */
export interface EncodedTree {
  width: number;
  feature: string;
  threshold: string;
  left: string;
  right: string;
  values: string;
  cover?: string;
}

const b64 = (a: Int32Array | Float64Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
function unb64<T extends Int32Array | Float64Array>(text: string, Type: { new (buffer: ArrayBuffer): T; BYTES_PER_ELEMENT: number }): T {
  const bytes = Buffer.from(text, 'base64');
  const copy = new ArrayBuffer(bytes.length);
  new Uint8Array(copy).set(bytes);
  return new Type(copy);
}

export function encodeTree(tree: Tree): EncodedTree {
  return { width: tree.width, feature: b64(tree.feature), threshold: b64(tree.threshold), left: b64(tree.left), right: b64(tree.right), values: b64(tree.values), ...(tree.cover ? { cover: b64(tree.cover) } : {}) };
}

export function decodeTree(encoded: EncodedTree): Tree {
  return {
    width: encoded.width,
    feature: unb64(encoded.feature, Int32Array),
    threshold: unb64(encoded.threshold, Float64Array),
    left: unb64(encoded.left, Int32Array),
    right: unb64(encoded.right, Int32Array),
    values: unb64(encoded.values, Float64Array),
    ...(encoded.cover ? { cover: unb64(encoded.cover, Float64Array) } : {}),
  };
}
