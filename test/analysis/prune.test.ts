/**
 * Token pruning and merging (src/analysis/prune/): Zero-TPrune's Weighted PageRank, ToMe's
 * bipartite soft matching as a matrix and the output change, each against float64 loops written
 * here from the papers' text.
 */
import { describe, expect, it } from 'vitest';
import { outputChange, rowSizes } from '../../src/analysis/prune/change';
import { bipartiteMerge } from '../../src/analysis/prune/merge';
import { keepMostImportant, pruneMatrix, weightedPageRank } from '../../src/analysis/prune/zeroTPrune';
import { rng } from '../helpers';

/** H random row-stochastic maps [H, T, T] (softmax of random logits, as attention gives). */
function randomMaps(H: number, T: number, seed: number): Float64Array {
  const r = rng(seed);
  const out = new Float64Array(H * T * T);
  for (let row = 0; row < H * T; row++) {
    const e = Array.from({ length: T }, () => Math.exp(3 * (r() - 0.5)));
    const z = e.reduce((a, b) => a + b, 0);
    e.forEach((v, j) => (out[row * T + j] = v / z));
  }
  return out;
}

/**
 * The paper's WPR written as matrix powers: s_h = s⁰ A_h^K for a large K (s⁰ uniform, a row
 * vector), i.e. the iterate s ← A_hᵀ s taken K times, then averaged over the heads.
 */
function pageRankByPowers(maps: Float64Array, H: number, T: number, K = 400): number[] {
  const mean = new Array<number>(T).fill(0);
  for (let h = 0; h < H; h++) {
    let P = Array.from({ length: T }, (_, i) => Array.from({ length: T }, (_, j) => maps[h * T * T + i * T + j]!));
    for (let k = 1; k < K; k *= 2) {
      const Q = P;
      P = Q.map((row) => row.map((_, j) => row.reduce((s, v, m) => s + v * Q[m]![j]!, 0))); // P ← P², so P = A^(2^n)
    }
    for (let j = 0; j < T; j++) for (let i = 0; i < T; i++) mean[j] = mean[j]! + P[i]![j]! / T / H;
  }
  return mean;
}

describe('Zero-TPrune: Weighted PageRank on the attention graph', () => {
  it('matches the stationary distribution s⁰ A^K averaged over heads (float64 matrix powers)', () => {
    const H = 3;
    const T = 9;
    const maps = randomMaps(H, T, 7);
    const got = weightedPageRank(maps, H, T);
    const want = pageRankByPowers(maps, H, T);
    for (let j = 0; j < T; j++) expect(Math.abs(got[j]! - want[j]!)).toBeLessThan(1e-10);
    expect(got.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    // A fixed point: Aᵀ s = s for every head's own ranking (checked on head 0 alone).
    const one = weightedPageRank(maps.subarray(0, T * T), 1, T);
    for (let j = 0; j < T; j++) {
      let s = 0;
      for (let i = 0; i < T; i++) s += maps[i * T + j]! * one[i]!;
      expect(Math.abs(s - one[j]!)).toBeLessThan(1e-10);
    }
  });

  it('a token every row attends to is the most important; pruning keeps the top tokens in order', () => {
    const T = 6;
    const map = new Float64Array(T * T);
    for (let i = 0; i < T; i++) {
      map[i * T + 4] = 0.7;
      map[i * T + ((i + 1) % T)] = map[i * T + ((i + 1) % T)]! + 0.3;
    }
    const s = weightedPageRank(map, 1, T);
    expect(Math.max(...s)).toBe(s[4]);
    const kept = keepMostImportant(s, 3);
    expect(kept).toContain(4);
    expect(kept).toEqual([...kept].sort((a, b) => a - b));
    const R = pruneMatrix(kept, T);
    kept.forEach((j, k) => expect(Array.from(R.subarray(k * T, (k + 1) * T))).toEqual(Array.from({ length: T }, (_, c) => (c === j ? 1 : 0))));
    expect(() => keepMostImportant(s, 0)).toThrow(/whole number from 1 to 6/);
  });

  it('signed maps are read as |A| normalised per row', () => {
    const map = Float64Array.from([0.5, -0.5, 0, 1]);
    const abs = Float64Array.from([0.5, 0.5, 0, 1]);
    expect(Array.from(weightedPageRank(map, 1, 2))).toEqual(Array.from(weightedPageRank(abs, 1, 2)));
  });
});

/**
 * One round of ToMe's bipartite soft matching, from the paper (§3): A = tokens at even places,
 * B = at odd places; each a's best b by cosine; the r a's with the best scores are merged into
 * their b. Returns the groups of original tokens (sizes 1 at the start, so a merged token is the
 * mean of its members).
 */
function tomeOneRound(x: number[][], r: number): number[][] {
  const unit = x.map((v) => {
    const n = Math.hypot(...v);
    return v.map((c) => c / n);
  });
  const a = x.map((_, i) => i).filter((i) => i % 2 === 0);
  const b = x.map((_, i) => i).filter((i) => i % 2 === 1);
  const edges = a.map((i) => {
    const sims = b.map((j) => unit[i]!.reduce((s, c, k) => s + c * unit[j]![k]!, 0));
    const m = Math.max(...sims);
    return { i, j: b[sims.indexOf(m)]!, m };
  });
  edges.sort((p, q) => q.m - p.m || p.i - q.i);
  const merged = edges.slice(0, r);
  const groups: number[][] = [];
  for (let t = 0; t < x.length; t++) {
    if (merged.some((e) => e.i === t)) continue;
    groups.push([t, ...merged.filter((e) => e.j === t).map((e) => e.i)].sort((p, q) => p - q));
  }
  return groups.sort((p, q) => p[0]! - q[0]!);
}

describe('ToMe bipartite soft matching as a matrix (Token Transforming X′ = M·X)', () => {
  const T = 11;
  const d = 5;
  const r = rng(3);
  const x = Array.from({ length: T }, () => Array.from({ length: d }, () => r() - 0.5));
  const flat = Float64Array.from(x.flat());

  it('one round equals the paper’s matching; each row averages its group and sums to 1', () => {
    for (const keep of [T, 9, 7, 6]) {
      const { groups, matrix } = bipartiteMerge(flat, T, d, keep);
      expect(groups).toEqual(tomeOneRound(x, T - keep));
      expect(groups).toHaveLength(keep);
      for (let g = 0; g < keep; g++) {
        const row = Array.from(matrix.subarray(g * T, (g + 1) * T));
        expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
        for (let j = 0; j < T; j++) expect(row[j]).toBe(groups[g]!.includes(j) ? 1 / groups[g]!.length : 0);
      }
    }
  });

  it('more than one round reaches any T′ and every token lands in exactly one group', () => {
    for (const keep of [5, 3, 1]) {
      const { groups } = bipartiteMerge(flat, T, d, keep);
      expect(groups).toHaveLength(keep);
      expect(groups.flat().sort((p, q) => p - q)).toEqual(Array.from({ length: T }, (_, i) => i));
    }
    // Two identical tokens at places 0 and 1 are the first pair merged.
    const twins = Float64Array.from([...x[0]!, ...x[0]!, ...x.slice(2).flat()]);
    expect(bipartiteMerge(twins, T, d, T - 1).groups[0]).toEqual([0, 1]);
  });
});

describe('output change', () => {
  const V = 4;
  const d = 3;
  const r = rng(11);
  const rand = (n: number) => Float64Array.from({ length: n }, () => 2 * (r() - 0.5));

  it('R = I and the same outputs: KL 0, pooled cosine 1', () => {
    const T = 3;
    const logits = rand(T * V);
    const hidden = rand(T * d);
    const I = pruneMatrix([0, 1, 2], T);
    const c = outputChange(I, { logits, hidden }, { logits, hidden }, T, T, V, d);
    expect(c.klMean).toBeLessThan(1e-15); // exp∘log rounding only
    expect(c.pooledCosine).toBeCloseTo(1, 12);
  });

  it('KL of the mixture P_i = Σ_j R_ij softmax(z_j) against softmax(z′_i), and sizes from R’s columns', () => {
    const T = 3;
    const full = { logits: rand(T * V), hidden: rand(T * d) };
    const reduced = { logits: rand(2 * V), hidden: rand(2 * d) };
    const R = Float64Array.from([0.5, 0.5, 0, 0, 0, 1]); // tokens 0 and 1 merged; token 2 kept
    const c = outputChange(R, full, reduced, T, 2, V, d);
    const soft = (z: Float64Array, t: number) => {
      const e = Array.from(z.subarray(t * V, (t + 1) * V), Math.exp);
      const s = e.reduce((a, b) => a + b, 0);
      return e.map((v) => v / s);
    };
    const P0 = soft(full.logits, 0).map((p, v) => 0.5 * p + 0.5 * soft(full.logits, 1)[v]!);
    const Q0 = soft(reduced.logits, 0);
    expect(c.klPerToken[0]).toBeCloseTo(P0.reduce((s, p, v) => s + p * Math.log(p / Q0[v]!), 0), 12);
    const P1 = soft(full.logits, 2);
    const Q1 = soft(reduced.logits, 1);
    expect(c.klPerToken[1]).toBeCloseTo(P1.reduce((s, p, v) => s + p * Math.log(p / Q1[v]!), 0), 12);
    expect(Array.from(rowSizes(R, 2, T))).toEqual([2, 1]);
    // Pooled: mean of the 3 full rows against (2·row 0 + row 1) / 3 of the reduced rows.
    const a = [0, 1, 2].map((k) => (full.hidden[k]! + full.hidden[d + k]! + full.hidden[2 * d + k]!) / 3);
    const b = [0, 1, 2].map((k) => (2 * reduced.hidden[k]! + reduced.hidden[d + k]!) / 3);
    const cos = a.reduce((s, v, k) => s + v * b[k]!, 0) / (Math.hypot(...a) * Math.hypot(...b));
    expect(c.pooledCosine).toBeCloseTo(cos, 12);
  });
});
