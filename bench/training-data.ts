import { seededRandom } from '../domain/random.js';

/** A binary task with a non-linear signal in the first five of `features` columns, the rest noise. */
export function benchmarkTask(rows: number, features: number, seed: number): { X: number[][]; y: number[] } {
  const random = seededRandom(seed);
  const normal = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const X: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < rows; i++) {
    const x = Array.from({ length: features }, normal);
    const score = 0.8 * x[0]! - 0.6 * x[1]! + 0.5 * x[2]! * x[3]! + 0.7 * Math.sin(2 * x[4]!) + 0.8 * normal();
    X.push(x.map((v) => Number(v.toFixed(6))));
    y.push(score > 0.4 ? 1 : 0);
  }
  return { X, y };
}
