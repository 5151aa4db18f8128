import { seededRandom } from '../domain/random.js';

/**
 * The rows of a binary task with a non-linear signal in the first five of `features` columns, the rest noise, one
 * at a time: each feature rounded to six decimals (as a CSV of them reads back), and the label.
 */
export function* taskRows(rows: number, features: number, seed: number): Generator<{ x: number[]; y: number }> {
  const random = seededRandom(seed);
  const normal = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  for (let i = 0; i < rows; i++) {
    const x = Array.from({ length: features }, normal);
    const score = 0.8 * x[0]! - 0.6 * x[1]! + 0.5 * x[2]! * x[3]! + 0.7 * Math.sin(2 * x[4]!) + 0.8 * normal();
    yield { x: x.map((v) => Number(v.toFixed(6))), y: score > 0.4 ? 1 : 0 };
  }
}

/** The whole task in memory. */
export function benchmarkTask(rows: number, features: number, seed: number): { X: number[][]; y: number[] } {
  const X: number[][] = [];
  const y: number[] = [];
  for (const row of taskRows(rows, features, seed)) {
    X.push(row.x);
    y.push(row.y);
  }
  return { X, y };
}
