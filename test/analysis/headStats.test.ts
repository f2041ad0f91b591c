// Head statistics (src/analysis/headStats.ts) against maps whose answers follow from their
// construction, and random signed maps against a second formulation written from the definitions
// key by key (masks over (query, key) pairs, in float64).
import { describe, expect, it } from 'vitest';
import { headStats } from '../../src/analysis/headStats';
import { rng } from '../helpers';

/** [1, T, T] with row t all on key f(t). */
const oneHot = (T: number, f: (t: number) => number) => {
  const m = new Float32Array(T * T);
  for (let t = 0; t < T; t++) m[t * T + f(t)] = 1;
  return m;
};

describe('head statistics', () => {
  it('a previous-token head scores 1 on previous-token and looks back one position', () => {
    const T = 8;
    const [s] = headStats(oneHot(T, (t) => Math.max(0, t - 1)), Array.from({ length: T }, (_, i) => i), 1);
    expect(s!.previousToken).toBe(1);
    expect(s!.sink).toBeCloseTo(1 / (T - 1), 12); // only query 1's previous token is the first
    expect(s!.distance).toBeCloseTo((T - 1) / T, 12); // query 0 looks at itself
    expect(s!.induction).toBeNull(); // no token repeats
  });

  it('an induction head on a repeated segment scores 1 on induction, 0 on previous-token there', () => {
    const seg = [5, 9, 2, 7];
    const tokens = [...seg, ...seg];
    const T = tokens.length;
    // First half: on the first token; second half: on the token after the earlier occurrence (t − 3).
    const [s] = headStats(oneHot(T, (t) => (t < 4 ? 0 : t - 3)), tokens, 1);
    expect(s!.induction).toBe(1);
    expect(s!.sink).toBeCloseTo((3 + 0) / (T - 1), 12); // queries 1–3 on key 0, queries 4–7 not
    expect(s!.previousToken).toBeCloseTo(1 / (T - 1), 12); // query 1 on key 0 is its previous token
  });

  it('random signed maps agree with a key-by-key formulation in float64', () => {
    const r = rng(11);
    const H = 3;
    const T = 12;
    const tokens = Array.from({ length: T }, () => Math.floor(r() * 4)); // a small alphabet: many repeats
    const map = Float32Array.from({ length: H * T * T }, () => r() * 2 - 1);
    const got = headStats(map, tokens, H);
    for (let h = 0; h < H; h++) {
      const w = (t: number, j: number) => {
        let total = 0;
        for (let k = 0; k < T; k++) total += Math.abs(map[h * T * T + t * T + k]!);
        return Math.abs(map[h * T * T + t * T + j]!) / total;
      };
      /** Mean over queries with any masked key of the weight on the masked keys. */
      const score = (mask: (t: number, j: number) => boolean) => {
        let sum = 0;
        let n = 0;
        for (let t = 0; t < T; t++) {
          const keys = Array.from({ length: T }, (_, j) => j).filter((j) => mask(t, j));
          if (!keys.length) continue;
          sum += keys.reduce((s, j) => s + w(t, j), 0);
          n++;
        }
        return n ? sum / n : null;
      };
      const induction = score((t, j) => j >= 1 && j < t && tokens[j - 1] === tokens[t]);
      const previous = score((t, j) => j === t - 1);
      const sink = score((t, j) => t >= 1 && j === 0);
      let distance = 0;
      for (let t = 0; t < T; t++) for (let j = 0; j < T; j++) distance += (w(t, j) * Math.abs(t - j)) / T;
      expect(got[h]!.induction).toBeCloseTo(induction!, 6);
      expect(got[h]!.previousToken).toBeCloseTo(previous!, 6);
      expect(got[h]!.sink).toBeCloseTo(sink!, 6);
      expect(got[h]!.distance).toBeCloseTo(distance, 5);
    }
  });

  it('refuses a map of the wrong size', () => {
    expect(() => headStats(new Float32Array(10), [1, 2, 3], 1)).toThrow(/has 9 weights, got 10/);
  });
});
