import type { Tree } from '../trees/tree.js';

/**
 * Exact SHAP values of one tree for one row: path-dependent TreeSHAP (Lundberg, Erion and Lee, 2018, "Consistent
 * individualized feature attribution for tree ensembles", Algorithm 2). Walking every root-to-leaf path once, it keeps
 * for each feature on the path the share of coalitions in which the row's own branch is followed (`one`) and the
 * share of training weight that went that way (`zero`), and the weights of all subset sizes, so that at a leaf each
 * feature's contribution is its exact Shapley value under the value function E[f(x) | x_S] estimated by the tree's
 * covers. O(leaves · depth²) per tree and row.
 */
export class TreeShap {
  private d: Int32Array;
  private zero: Float64Array;
  private one: Float64Array;
  private weight: Float64Array;

  constructor(maxDepth: number) {
    // Each level of the recursion keeps its own copy of the path after its parent's: (D + 1)(D + 2) / 2 entries.
    const size = ((maxDepth + 2) * (maxDepth + 3)) / 2;
    this.d = new Int32Array(size);
    this.zero = new Float64Array(size);
    this.one = new Float64Array(size);
    this.weight = new Float64Array(size);
  }

  /**
   * Adds `scale` times the tree's SHAP values for row `x` into `phi` (`features` × `tree.width`, output-minor). The
   * tree must have covers.
   */
  explain(tree: Tree, x: ArrayLike<number>, phi: Float64Array, scale: number): void {
    this.tree = tree;
    this.x = x;
    this.phi = phi;
    this.scale = scale;
    this.recurse(0, 0, 0, 1, 1, -1);
  }

  private tree!: Tree;
  private x!: ArrayLike<number>;
  private phi!: Float64Array;
  private scale = 1;

  private recurse(node: number, at: number, depth: number, zero: number, one: number, feature: number): void {
    const { d, tree } = this;
    // This level's path starts after the parent's (which has `depth` entries), copied so siblings do not share it.
    const path = at + depth;
    if (depth > 0) this.copy(at, path, depth);
    this.extend(path, depth, zero, one, feature);
    const split = tree.feature[node]!;
    if (split < 0) {
      const { width, values } = tree;
      const { phi } = this;
      const leaf = tree.right[node]! * width;
      for (let i = 1; i <= depth; i++) {
        const w = this.unwoundSum(path, depth, i) * (this.one[path + i]! - this.zero[path + i]!) * this.scale;
        const base = d[path + i]! * width;
        for (let k = 0; k < width; k++) phi[base + k]! += w * values[leaf + k]!;
      }
      return;
    }
    const left = tree.left[node]!;
    const right = tree.right[node]!;
    const hot = this.x[split]! > tree.threshold[node]! ? right : left;
    const cold = hot === left ? right : left;
    const covers = tree.cover!;
    const cover = covers[node]!;
    let [zeroBefore, oneBefore] = [1, 1];
    let unique = depth;
    // A feature split on again higher up: undo its earlier entry and carry its fractions into this split.
    for (let k = 1; k <= depth; k++) {
      if (d[path + k] !== split) continue;
      [zeroBefore, oneBefore] = [this.zero[path + k]!, this.one[path + k]!];
      this.unwind(path, depth, k);
      unique--;
      break;
    }
    this.recurse(hot, path, unique + 1, (zeroBefore * covers[hot]!) / cover, oneBefore, split);
    this.recurse(cold, path, unique + 1, (zeroBefore * covers[cold]!) / cover, 0, split);
  }

  /** Copies a path forward (element by element: a path is short, and a typed array's copyWithin costs more than it moves). */
  private copy(from: number, to: number, count: number): void {
    const { d, zero, one, weight } = this;
    for (let i = 0; i < count; i++) {
      d[to + i] = d[from + i]!;
      zero[to + i] = zero[from + i]!;
      one[to + i] = one[from + i]!;
      weight[to + i] = weight[from + i]!;
    }
  }

  /** Adds a feature to the path (its fractions), updating the weights of every subset size. */
  private extend(path: number, depth: number, zero: number, one: number, feature: number): void {
    const { weight } = this;
    this.d[path + depth] = feature;
    this.zero[path + depth] = zero;
    this.one[path + depth] = one;
    weight[path + depth] = depth === 0 ? 1 : 0;
    for (let i = depth - 1; i >= 0; i--) {
      weight[path + i + 1]! += (one * weight[path + i]! * (i + 1)) / (depth + 1);
      weight[path + i] = (zero * weight[path + i]! * (depth - i)) / (depth + 1);
    }
  }

  /** Removes entry `index` from the path, undoing what extending by it did to the weights. */
  private unwind(path: number, depth: number, index: number): void {
    const { weight } = this;
    const one = this.one[path + index]!;
    const zero = this.zero[path + index]!;
    let next = weight[path + depth]!;
    for (let i = depth - 1; i >= 0; i--) {
      if (one !== 0) {
        const kept = weight[path + i]!;
        weight[path + i] = (next * (depth + 1)) / ((i + 1) * one);
        next = kept - (weight[path + i]! * zero * (depth - i)) / (depth + 1);
      } else {
        weight[path + i] = (weight[path + i]! * (depth + 1)) / (zero * (depth - i));
      }
    }
    for (let i = index; i < depth; i++) {
      this.d[path + i] = this.d[path + i + 1]!;
      this.zero[path + i] = this.zero[path + i + 1]!;
      this.one[path + i] = this.one[path + i + 1]!;
    }
  }

  /** The total weight of the path with entry `index` unwound, without changing the path. */
  private unwoundSum(path: number, depth: number, index: number): number {
    const { weight } = this;
    const one = this.one[path + index]!;
    const zero = this.zero[path + index]!;
    const n = depth + 1;
    let total = 0;
    if (one !== 0) {
      let next = weight[path + depth]!;
      const byOne = n / one;
      const zeroShare = zero / n;
      for (let i = depth - 1; i >= 0; i--) {
        const w = (next * byOne) / (i + 1);
        total += w;
        next = weight[path + i]! - w * zeroShare * (depth - i);
      }
    } else {
      const byZero = n / zero;
      for (let i = depth - 1; i >= 0; i--) total += (weight[path + i]! * byZero) / (depth - i);
    }
    return total;
  }
}

/** The tree's expected output over its training weight (each leaf's value by the share of cover that reached it). */
export function expectedValue(tree: Tree): Float64Array {
  const out = new Float64Array(tree.width);
  const root = tree.cover![0]!;
  for (let node = 0; node < tree.feature.length; node++) {
    if (tree.feature[node]! >= 0) continue;
    const share = tree.cover![node]! / root;
    const leaf = tree.right[node]! * tree.width;
    for (let k = 0; k < tree.width; k++) out[k]! += share * tree.values[leaf + k]!;
  }
  return out;
}

/** The depth of the deepest leaf: what a TreeShap's buffers are sized by. */
export function depthOf(tree: Tree): number {
  let deepest = 0;
  const stack: [number, number][] = [[0, 0]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (tree.feature[node]! < 0) deepest = Math.max(deepest, depth);
    else stack.push([tree.left[node]!, depth + 1], [tree.right[node]!, depth + 1]);
  }
  return deepest;
}
