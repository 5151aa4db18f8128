import type { Binned } from './bins.js';
import { partitionByBin } from './partition.js';
import { TreeBuilder, type Tree } from './tree.js';

/** What a CART tree learns: class shares (Gini) or a mean (squared error). */
export type CartTarget = { kind: 'classes'; y: Int32Array; classes: number } | { kind: 'values'; y: Float64Array };

export interface CartOptions {
  maxDepth: number;
  minSamplesSplit: number;
  minSamplesLeaf: number;
  /** Features tried per split, drawn at random without replacement (more are tried while none splits). */
  maxFeatures: number;
  random: () => number;
}

interface Split {
  feature: number;
  bin: number;
  score: number;
}

/**
 * One CART tree grown depth-first on binned features, as in a random forest: every node tries
 * `maxFeatures` random features and takes the split that most reduces Gini impurity or squared error,
 * until a node is pure, too small or too deep. `weights` are per-row counts (a bootstrap sample);
 * rows of weight 0 are left out. Per node only the bins its rows occupy are visited, so deep trees
 * with small nodes stay cheap.
 */
export function growCart(data: Binned, target: CartTarget, weights: Float64Array, options: CartOptions): Tree {
  const width = target.kind === 'classes' ? target.classes : 1;
  const stats = target.kind === 'classes' ? target.classes : 2;
  const builder = new TreeBuilder(width);
  const order = Uint32Array.from({ length: data.rows }, (_, i) => i).filter((i) => weights[i]! > 0);
  const scratch = new Uint32Array(order.length);
  const maxBins = Math.max(...data.counts);
  const hist = new Float64Array(maxBins * stats);
  const histCount = new Int32Array(maxBins);
  const touched = new Int32Array(maxBins);
  const features = Int32Array.from({ length: data.features }, (_, j) => j);
  const total = new Float64Array(stats);
  const left = new Float64Array(stats);

  // Squared error works on values centred on their mean, so a large mean cannot swamp small gains.
  const offset = target.kind === 'values' ? weightedMean(target.y, weights) : 0;
  const valueOf = (i: number) => (target as { y: Float64Array }).y[i]! - offset;
  const accumulate = (into: Float64Array, i: number, w: number) => {
    if (target.kind === 'classes') into[target.y[i]!]! += w;
    else {
      into[0]! += w * valueOf(i);
      into[1]! += w;
    }
  };
  /** Higher is better: the impurity-decrease proxy (Σ c²/W for Gini, S²/W for squared error). */
  const proxy = (s: Float64Array, w: number) => {
    if (w <= 0) return 0;
    if (target.kind === 'values') return (s[0]! * s[0]!) / w;
    let sum = 0;
    for (let k = 0; k < stats; k++) sum += s[k]! * s[k]!;
    return sum / w;
  };
  const weightOf = (s: Float64Array) => {
    if (target.kind === 'values') return s[1]!;
    let w = 0;
    for (let k = 0; k < stats; k++) w += s[k]!;
    return w;
  };

  const stack: { node: number; start: number; end: number; depth: number }[] = [{ node: builder.add(), start: 0, end: order.length, depth: 0 }];
  while (stack.length > 0) {
    const { node, start, end, depth } = stack.pop()!;
    total.fill(0);
    for (let p = start; p < end; p++) accumulate(total, order[p]!, weights[order[p]!]!);
    const W = weightOf(total);
    builder.cover(node, W);
    const count = end - start;
    const split = depth < options.maxDepth && count >= options.minSamplesSplit && count >= 2 * options.minSamplesLeaf && !isPure(total, W) ? bestSplit(start, end, W) : null;
    if (!split) {
      builder.leaf(node, leafValue(total, W));
      continue;
    }
    const mid = partitionByBin(order, scratch, start, end, data.columns[split.feature]!, split.bin);
    const [l, r] = [builder.add(), builder.add()];
    builder.split(node, split.feature, data.edges[split.feature]![split.bin]!, l, r);
    stack.push({ node: r, start: mid, end, depth: depth + 1 }, { node: l, start, end: mid, depth: depth + 1 });
  }
  return builder.build();

  function isPure(s: Float64Array, W: number): boolean {
    if (target.kind === 'classes') {
      for (let k = 0; k < stats; k++) if (s[k]! > 0 && s[k]! < W) return false;
      return true;
    }
    // Squared error: pure when every value equals the mean.
    return false;
  }

  function leafValue(s: Float64Array, W: number): number[] {
    if (target.kind === 'values') return [offset + (W > 0 ? s[0]! / W : 0)];
    return Array.from(s, (c) => (W > 0 ? c / W : 0));
  }

  function bestSplit(start: number, end: number, W: number): Split | null {
    const parentScore = proxy(total, W);
    let best: Split | null = null;
    let tried = 0;
    for (let f = 0; f < features.length; f++) {
      // Partial Fisher–Yates: features[f] is a fresh random feature.
      const pick = f + Math.floor(options.random() * (features.length - f));
      [features[f], features[pick]] = [features[pick]!, features[f]!];
      const candidate = splitOn(features[f]!, start, end, W);
      if (candidate === 'constant') continue;
      tried++;
      if (candidate && candidate.score > parentScore * (1 + 1e-12) + 1e-12 && (!best || candidate.score > best.score)) best = candidate;
      if (tried >= options.maxFeatures && best) break;
    }
    return best;
  }

  /** The best split on one feature, null when none is valid, 'constant' when the node has one bin. */
  function splitOn(feature: number, start: number, end: number, W: number): Split | null | 'constant' {
    const column = data.columns[feature]!;
    let used = 0;
    for (let p = start; p < end; p++) {
      const i = order[p]!;
      const b = column[i]!;
      if (histCount[b] === 0) touched[used++] = b;
      histCount[b]!++;
      const w = weights[i]!;
      if (target.kind === 'classes') hist[b * stats + target.y[i]!]! += w;
      else {
        hist[b * stats]! += w * valueOf(i);
        hist[b * stats + 1]! += w;
      }
    }
    if (used === 1) {
      clear(used);
      return 'constant';
    }
    const bins = touched.subarray(0, used).sort();
    left.fill(0);
    const right = new Float64Array(stats);
    let leftCount = 0;
    const count = end - start;
    let best: Split | null = null;
    for (let t = 0; t < used - 1; t++) {
      const b = bins[t]!;
      for (let k = 0; k < stats; k++) left[k]! += hist[b * stats + k]!;
      leftCount += histCount[b]!;
      if (leftCount < options.minSamplesLeaf) continue;
      if (count - leftCount < options.minSamplesLeaf) break;
      const wl = weightOf(left);
      for (let k = 0; k < stats; k++) right[k] = total[k]! - left[k]!;
      const score = proxy(left, wl) + proxy(right, W - wl);
      if (!best || score > best.score) best = { feature, bin: b, score };
    }
    clear(used);
    return best;
  }

  function clear(used: number) {
    for (let t = 0; t < used; t++) {
      const b = touched[t]!;
      histCount[b] = 0;
      for (let k = 0; k < stats; k++) hist[b * stats + k] = 0;
    }
  }

}

function weightedMean(y: Float64Array, weights: Float64Array): number {
  let [sum, total] = [0, 0];
  for (let i = 0; i < y.length; i++) {
    sum += weights[i]! * y[i]!;
    total += weights[i]!;
  }
  return total > 0 ? sum / total : 0;
}
