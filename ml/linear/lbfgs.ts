/** An objective: returns f(w) and writes its gradient at w into `gradient`. */
export type Objective = (w: Float64Array, gradient: Float64Array) => number;

export interface MinimizeOptions {
  /** Stop once the largest gradient component is at most this. */
  tolerance: number;
  maxIterations: number;
  /** Correction pairs kept (the "m" of L-BFGS). */
  memory?: number;
}

export interface MinimizeResult {
  w: Float64Array;
  value: number;
  iterations: number;
  converged: boolean;
  /** The largest gradient component at the end: what `tolerance` was compared with. */
  gradientMaxAbs: number;
}

const dot = (a: Float64Array, b: Float64Array) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
};
const maxAbs = (a: Float64Array) => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]!));
  return m;
};

/**
 * Limited-memory BFGS (Nocedal and Wright, algorithm 7.4) with a backtracking line search on the
 * Armijo condition; a curvature pair is kept only when s·y > 0, so the inverse-Hessian estimate stays
 * positive definite. For smooth convex objectives such as regularised logistic loss.
 */
export function minimize(objective: Objective, start: Float64Array, options: MinimizeOptions): MinimizeResult {
  const n = start.length;
  const memory = options.memory ?? 10;
  let w = Float64Array.from(start);
  let g = new Float64Array(n);
  let f = objective(w, g);
  const s: Float64Array[] = [];
  const y: Float64Array[] = [];
  const rho: number[] = [];
  const direction = new Float64Array(n);
  const alpha = new Float64Array(memory);
  let iterations = 0;
  while (iterations < options.maxIterations && maxAbs(g) > options.tolerance) {
    iterations++;
    // Two-loop recursion: direction = -H g.
    direction.set(g);
    for (let k = s.length - 1; k >= 0; k--) {
      alpha[k] = rho[k]! * dot(s[k]!, direction);
      for (let i = 0; i < n; i++) direction[i]! -= alpha[k]! * y[k]![i]!;
    }
    const gamma = s.length ? dot(s.at(-1)!, y.at(-1)!) / dot(y.at(-1)!, y.at(-1)!) : 1 / Math.max(1, maxAbs(g));
    for (let i = 0; i < n; i++) direction[i]! *= gamma;
    for (let k = 0; k < s.length; k++) {
      const beta = rho[k]! * dot(y[k]!, direction);
      for (let i = 0; i < n; i++) direction[i]! += s[k]![i]! * (alpha[k]! - beta);
    }
    for (let i = 0; i < n; i++) direction[i] = -direction[i]!;
    let slope = dot(g, direction);
    if (slope >= 0) {
      // Not a descent direction (numerical trouble): restart from steepest descent.
      s.length = y.length = rho.length = 0;
      for (let i = 0; i < n; i++) direction[i] = -g[i]! / Math.max(1, maxAbs(g));
      slope = dot(g, direction);
    }
    const next = new Float64Array(n);
    const nextG = new Float64Array(n);
    let step = 1;
    let nextF = Number.POSITIVE_INFINITY;
    for (let tries = 0; tries < 60; tries++) {
      for (let i = 0; i < n; i++) next[i] = w[i]! + step * direction[i]!;
      nextF = objective(next, nextG);
      if (Number.isFinite(nextF) && nextF <= f + 1e-4 * step * slope) break;
      step *= 0.5;
    }
    if (!(nextF < f) && !(nextF <= f + 1e-4 * step * slope)) break;
    const sk = new Float64Array(n);
    const yk = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      sk[i] = next[i]! - w[i]!;
      yk[i] = nextG[i]! - g[i]!;
    }
    const sy = dot(sk, yk);
    if (sy > 1e-12 * Math.sqrt(dot(sk, sk) * dot(yk, yk))) {
      if (s.length === memory) {
        s.shift();
        y.shift();
        rho.shift();
      }
      s.push(sk);
      y.push(yk);
      rho.push(1 / sy);
    }
    const decrease = f - nextF;
    [w, g, f] = [next, nextG, nextF];
    if (decrease <= 1e-15 * Math.max(1, Math.abs(f))) break;
  }
  const gradientMaxAbs = maxAbs(g);
  return { w, value: f, iterations, converged: gradientMaxAbs <= options.tolerance, gradientMaxAbs };
}
