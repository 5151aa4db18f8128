import type { Binned } from './bins.js';
import { partitionByBin } from './partition.js';
import { TreeBuilder, type Tree } from './tree.js';

export interface LeafwiseOptions {
  maxLeafNodes: number;
  maxDepth: number;
  minSamplesLeaf: number;
  /** L2 penalty on leaf values (λ). */
  l2: number;
  learningRate: number;
}

const MIN_HESSIAN = 1e-3;

interface Node {
  id: number;
  start: number;
  end: number;
  depth: number;
  G: number;
  H: number;
  hist: Float64Array | null;
  split: { feature: number; bin: number; gain: number; GL: number; HL: number } | null;
}

/**
 * One gradient-boosting tree, grown leaf-wise (best gain first) on gradient/hessian histograms, as
 * LightGBM and scikit-learn's `HistGradientBoosting*` do: a node's split maximises
 * G_L²/(H_L+λ) + G_R²/(H_R+λ) − G²/(H+λ); the smaller child's histogram is built from its rows and
 * the larger one's is the parent's minus it. Leaf values are −learningRate·G/(H+λ).
 * Returns the tree and, for every row, the value it added (so the caller updates its predictions
 * without walking the tree).
 */
export function growLeafwise(
  data: Binned,
  gradient: Float64Array,
  hessian: Float64Array,
  options: LeafwiseOptions,
  /** Spare histograms from earlier trees, reused instead of allocated. */
  pool: Float64Array[] = [],
  /** When given, each split adds its gain to its feature's entry: gain importance. */
  gains?: Float64Array,
): { tree: Tree; added: Float64Array } {
  const n = data.rows;
  const d = data.features;
  const bins = Math.max(...data.counts);
  const stride = bins * 3;
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  const scratch = new Uint32Array(n);
  const builder = new TreeBuilder(1);
  const newHist = () => pool.pop()?.fill(0) ?? new Float64Array(d * stride);

  const { rowBins } = data;
  /** The histogram of a node's rows: row by row, each row's gradient and hessian added to its bin of every feature. */
  const buildHist = (start: number, end: number): Float64Array => {
    const hist = newHist();
    for (let p = start; p < end; p++) {
      const i = order[p]!;
      const g = gradient[i]!;
      const h = hessian[i]!;
      for (let f = 0, r = i * d, base = 0; f < d; f++, r++, base += stride) {
        const at = base + rowBins[r]! * 3;
        hist[at]! += g;
        hist[at + 1]! += h;
        hist[at + 2]! += 1;
      }
    }
    return hist;
  };

  const findSplit = (node: Node): void => {
    const count = node.end - node.start;
    node.split = null;
    if (node.depth >= options.maxDepth || count < 2 * options.minSamplesLeaf) return;
    const parent = (node.G * node.G) / (node.H + options.l2);
    const hist = node.hist!;
    for (let f = 0; f < d; f++) {
      const base = f * stride;
      let [GL, HL, CL] = [0, 0, 0];
      for (let b = 0; b < data.counts[f]! - 1; b++) {
        const at = base + b * 3;
        if (hist[at + 2] === 0) continue;
        GL += hist[at]!;
        HL += hist[at + 1]!;
        CL += hist[at + 2]!;
        if (CL < options.minSamplesLeaf) continue;
        if (count - CL < options.minSamplesLeaf) break;
        const HR = node.H - HL;
        if (HL < MIN_HESSIAN || HR < MIN_HESSIAN) continue;
        const GR = node.G - GL;
        const gain = (GL * GL) / (HL + options.l2) + (GR * GR) / (HR + options.l2) - parent;
        if (gain > 1e-12 && (!node.split || gain > node.split.gain)) node.split = { feature: f, bin: b, gain, GL, HL };
      }
    }
  };

  const sums = (start: number, end: number) => {
    let [G, H] = [0, 0];
    for (let p = start; p < end; p++) {
      G += gradient[order[p]!]!;
      H += hessian[order[p]!]!;
    }
    return { G, H };
  };

  const root: Node = { id: builder.add(), start: 0, end: n, depth: 0, ...sums(0, n), hist: buildHist(0, n), split: null };
  builder.cover(root.id, n);
  findSplit(root);
  const leaves: Node[] = [root];
  while (leaves.length < options.maxLeafNodes) {
    let pick = -1;
    for (let k = 0; k < leaves.length; k++) if (leaves[k]!.split && (pick < 0 || leaves[k]!.split!.gain > leaves[pick]!.split!.gain)) pick = k;
    if (pick < 0) break;
    const node = leaves[pick]!;
    const split = node.split!;
    const mid = partitionByBin(order, scratch, node.start, node.end, data.columns[split.feature]!, split.bin);
    const left: Node = { id: builder.add(), start: node.start, end: mid, depth: node.depth + 1, G: split.GL, H: split.HL, hist: null, split: null };
    const right: Node = { id: builder.add(), start: mid, end: node.end, depth: node.depth + 1, G: node.G - split.GL, H: node.H - split.HL, hist: null, split: null };
    builder.split(node.id, split.feature, data.edges[split.feature]![split.bin]!, left.id, right.id);
    builder.cover(left.id, mid - node.start);
    builder.cover(right.id, node.end - mid);
    if (gains) gains[split.feature]! += split.gain;
    const [small, large] = mid - node.start <= node.end - mid ? [left, right] : [right, left];
    small.hist = buildHist(small.start, small.end);
    const parentHist = node.hist!;
    for (let k = 0; k < parentHist.length; k++) parentHist[k]! -= small.hist[k]!;
    large.hist = parentHist;
    node.hist = null;
    findSplit(left);
    findSplit(right);
    leaves.splice(pick, 1, left, right);
  }

  const added = new Float64Array(n);
  for (const leaf of leaves) {
    const value = (-options.learningRate * leaf.G) / (leaf.H + options.l2);
    builder.leaf(leaf.id, [value]);
    for (let p = leaf.start; p < leaf.end; p++) added[order[p]!] = value;
    if (leaf.hist) pool.push(leaf.hist);
  }
  return { tree: builder.build(), added };

}
