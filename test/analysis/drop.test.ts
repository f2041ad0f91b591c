/** KL(full ‖ dropped) and the similarity ranking of src/analysis/drop.ts against plain float64 calculations. */
import { describe, expect, it } from 'vitest';
import { klDivergence, meanOf, rankModules } from '../../src/analysis/drop';
import { rng } from '../helpers';

/** KL(P ‖ Q) of one row written from the definition: P, Q = softmax without any shift, then Σ p log(p / q). */
function klRow(p: number[], q: number[]): number {
  const soft = (x: number[]) => {
    const e = x.map(Math.exp);
    const z = e.reduce((a, b) => a + b, 0);
    return e.map((v) => v / z);
  };
  const P = soft(p);
  const Q = soft(q);
  return P.reduce((s, pv, v) => s + (pv > 0 ? pv * Math.log(pv / Q[v]!) : 0), 0);
}

describe('klDivergence', () => {
  it('matches Σ p log(p/q) of the softmaxes, row by row, on random logits', () => {
    const r = rng(7);
    const T = 9;
    const V = 97;
    const a = Float32Array.from({ length: T * V }, () => 3 * (r() - 0.5));
    const b = Float32Array.from({ length: T * V }, () => 3 * (r() - 0.5));
    const kl = klDivergence(a, b, T, V);
    const want = Array.from({ length: T }, (_, t) => klRow(Array.from(a.subarray(t * V, (t + 1) * V)), Array.from(b.subarray(t * V, (t + 1) * V))));
    want.forEach((w, t) => expect(kl.perToken[t]).toBeCloseTo(w, 10));
    expect(kl.mean).toBeCloseTo(want.reduce((s, v) => s + v, 0) / T, 10);
    expect(kl.max).toBeCloseTo(Math.max(...want), 10);
  });

  it('is 0 for equal logits, also shifted by a constant per row (softmax ignores it), and not symmetric', () => {
    const a = [1, 2, 3, 0.5, -1, 4];
    const shifted = a.map((v, i) => v + (i < 3 ? 10 : -7));
    expect(klDivergence(a, a, 2, 3).mean).toBe(0);
    expect(klDivergence(a, shifted, 2, 3).mean).toBeLessThan(1e-12);
    const b = [3, 2, 1, 0, 0, 0];
    expect(klDivergence(a, b, 2, 3).mean).not.toBeCloseTo(klDivergence(b, a, 2, 3).mean, 3);
  });

  it('stays finite for large logits (log-softmax with the max taken out)', () => {
    const kl = klDivergence([1000, 0], [0, 1000], 1, 2);
    expect(kl.mean).toBeCloseTo(1000, 6);
  });

  it('refuses logits of the wrong size', () => {
    expect(() => klDivergence([1, 2], [1, 2, 3], 1, 2)).toThrow(/1 × 2/);
  });
});

describe('rankModules', () => {
  it('ranks the most similar sub-block first, averages a looped layer over its runs, skips absent ones', () => {
    // Runs: layer 0, layer 1, layer 0 again (a loop), layer 2.
    const ranked = rankModules([0, 1, 0, 2], [
      { mixer: 0.9, ffn: 0.5 },
      { mixer: 0.99, ffn: null },
      { mixer: 0.7, ffn: 0.6 },
      { mixer: null, ffn: 0.95 },
    ]);
    expect(ranked.map((m) => `${m.layer} ${m.part}`)).toEqual(['1 mixer', '2 ffn', '0 mixer', '0 ffn']);
    expect(ranked[2]!.similarity).toBeCloseTo(0.8, 12);
    expect(ranked[2]!.importance).toBeCloseTo(0.2, 12);
    expect(ranked[3]!.similarity).toBeCloseTo(0.55, 12);
  });

  it('meanOf is the arithmetic mean, null for nothing', () => {
    expect(meanOf([1, 2, 6])).toBe(3);
    expect(meanOf(undefined)).toBeNull();
    expect(meanOf([])).toBeNull();
  });
});
