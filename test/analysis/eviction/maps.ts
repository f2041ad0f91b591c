/** Random causal attention maps for the eviction tests: row t = softmax over keys 0..t of random logits, with a few strong keys (sinks, heavy hitters) so that policies differ. */
import { rng } from '../../helpers';

/** A row-major [T, T] causal map (float64), rows summing to 1 over keys 0..t. */
export function randomMap(T: number, seed: number, spread = 2): Float64Array {
  const r = rng(seed);
  const strong = new Set([0, Math.floor(T / 3), Math.floor((2 * T) / 3)]);
  const bias = Array.from({ length: T }, (_, j) => (strong.has(j) ? 2.5 : 0) + spread * (r() - 0.5));
  const map = new Float64Array(T * T);
  for (let t = 0; t < T; t++) {
    const x = Array.from({ length: t + 1 }, (_, j) => bias[j]! + spread * (r() - 0.5) + (j === t ? 1 : 0));
    const mx = Math.max(...x);
    const e = x.map((v) => Math.exp(v - mx));
    const z = e.reduce((a, b) => a + b, 0);
    e.forEach((v, j) => (map[t * T + j] = v / z));
  }
  return map;
}

/** Row t of a [T, T] map, keys 0..t, as a plain array. */
export const row = (map: Float64Array, T: number, t: number): number[] => Array.from(map.subarray(t * T, t * T + t + 1));
