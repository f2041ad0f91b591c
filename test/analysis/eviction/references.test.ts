/**
 * Every eviction policy of src/analysis/eviction against a plain-loop float64 reference written
 * here from its paper (and the authors' code, as the policy files say): a cache kept as a list of
 * key indices, one key evicted at a time while it is over budget (the one with the lowest score
 * outside the recent window; ties: the older key goes), and the kept mass summed directly.
 * The references share no code with the policies.
 */
import { describe, expect, it } from 'vitest';
import { simulate } from '../../../src/analysis/eviction/simulate';
import type { PolicyKind } from '../../../src/analysis/eviction/policy';
import { Rng } from '../../../src/train/random';
import { randomMap, row } from './maps';

type Masks = number[][];

/** Masks of a cache policy: `score(j)` read when evicting; `update(t, A_t, cache)` after each row. */
function cacheRef(T: number, B: number, r: number, map: Float64Array, score: (j: number, t: number) => number, update: (t: number, A: number[], cache: number[]) => void): Masks {
  let cache: number[] = [];
  const masks: Masks = [];
  for (let t = 0; t < T; t++) {
    cache.push(t);
    while (cache.length > B) {
      let worst = -1;
      for (const j of cache) {
        if (j > t - r) continue; // the recent window stays
        if (worst < 0 || score(j, t) < score(worst, t)) worst = j; // ascending j: ties evict the older
      }
      cache = cache.filter((j) => j !== worst);
    }
    masks.push(Array.from({ length: t + 1 }, (_, j) => (cache.includes(j) ? 1 : 0)));
    update(t, row(map, T, t), cache);
  }
  return masks;
}

function streamingRef(T: number, B: number, sinks: number): Masks {
  const s = Math.min(sinks, B - 1);
  return Array.from({ length: T }, (_, t) => Array.from({ length: t + 1 }, (_, j) => (t < B || j < s || j >= t + 1 - (B - s) ? 1 : 0)));
}

/** H2O: S_j = Σ over the rows j was cached for of A[i, j]; A2SF with λ: S_j ← λ S_j + A[t, j]. */
function accumulateRef(T: number, B: number, r: number, map: Float64Array, lambda: number): Masks {
  const S = new Array<number>(T).fill(0);
  return cacheRef(T, B, r, map, (j) => S[j]!, (t, A, cache) => {
    for (let j = 0; j <= t; j++) S[j] = cache.includes(j) ? lambda * S[j]! + A[j]! : 0;
  });
}

/** Scissorhands: fewest rows, among the last h, that gave the key less than 1/(i + 1). */
function scissorhandsRef(T: number, B: number, r: number, h: number, map: Float64Array): Masks {
  const score = (j: number, t: number) => {
    let low = 0;
    for (let i = Math.max(0, t - h); i < t; i++) if (j <= i && map[i * T + j]! < 1 / (i + 1)) low++;
    return -low;
  };
  return cacheRef(T, B, r, map, score, () => {});
}

/** Keyformer: S_j += softmax over cached keys of (log A[t, j] + g)/τ_t, τ_t = 1 + t/T, g = −log(−log u). */
function keyformerRef(T: number, B: number, r: number, map: Float64Array, seed: number): Masks {
  const S = new Array<number>(T).fill(0);
  const rand = new Rng(seed);
  return cacheRef(T, B, r, map, (j) => S[j]!, (t, A, cache) => {
    const tau = 1 + t / T;
    const z = new Map<number, number>();
    for (let j = 0; j <= t; j++) if (cache.includes(j)) z.set(j, Math.exp((Math.log(A[j]!) - Math.log(-Math.log(rand.float() + 2 ** -33))) / tau));
    const total = [...z.values()].reduce((a, b) => a + b, 0);
    for (let j = 0; j <= t; j++) S[j] = z.has(j) ? S[j]! + z.get(j)! / total : 0;
  });
}

/** SnapKV at prompt length t: window rows t−w..t−1 vote, pooled over K keys (average ÷K with zero padding, or max over the keys in range), top B − w − 1 of keys < t − w. */
function snapRef(T: number, B: number, w: number, K: number, map: Float64Array, pool: 'avg' | 'max' = 'avg'): Masks {
  const masks: Masks = [];
  for (let t = 0; t < T; t++) {
    if (t < B) {
      masks.push(new Array(t + 1).fill(1));
      continue;
    }
    const P = t - w;
    const votes = Array.from({ length: P }, (_, j) => {
      let v = 0;
      for (let i = t - w; i < t; i++) v += map[i * T + j]!;
      return v;
    });
    const pooled = votes.map((_, j) => {
      const near = votes.filter((_, k) => Math.abs(k - j) <= K >> 1);
      return pool === 'max' ? Math.max(...near) : near.reduce((a, b) => a + b, 0) / K;
    });
    const order = pooled.map((v, j) => [v, j] as const).sort((a, b) => b[0] - a[0] || b[1] - a[1]);
    const chosen = new Set(order.slice(0, B - w - 1).map((x) => x[1]));
    masks.push(Array.from({ length: t + 1 }, (_, j) => (j >= P || chosen.has(j) ? 1 : 0)));
  }
  return masks;
}

function topkRef(T: number, B: number, map: Float64Array): Masks {
  return Array.from({ length: T }, (_, t) => {
    const A = row(map, T, t);
    const order = A.map((v, j) => [v, j] as const).sort((a, b) => b[0] - a[0] || b[1] - a[1]);
    const chosen = new Set(order.slice(0, B).map((x) => x[1]));
    return A.map((_, j) => (chosen.has(j) ? 1 : 0));
  });
}

function expectSame(kind: PolicyKind, map: Float64Array, T: number, B: number, want: Masks, params = {}) {
  const sim = simulate(map, T, kind, B, params);
  for (let t = 0; t < T; t++) {
    expect(Array.from(sim.masks[t]!), `${kind} B=${B} step ${t}`).toEqual(want[t]);
    const mass = want[t]!.reduce((s, k, j) => s + (k ? map[t * T + j]! : 0), 0);
    expect(Math.abs(sim.kept[t]! - mass)).toBeLessThan(1e-12);
  }
}

const T = 40;
const CASES = [
  { seed: 1, B: 8 },
  { seed: 2, B: 13 },
  { seed: 3, B: 20 },
];

describe('eviction policies against plain-loop references', () => {
  for (const { seed, B } of CASES) {
    const map = randomMap(T, seed);
    it(`StreamingLLM keeps 4 sinks + the recent B − 4 (B = ${B})`, () => expectSame('streaming_llm', map, T, B, streamingRef(T, B, 4)));
    it(`H2O: accumulated attention, half recent (B = ${B})`, () => expectSame('h2o', map, T, B, accumulateRef(T, B, Math.round(B / 2), map, 1)));
    it(`A2SF: forgetting factor 0.95 and 0.5 (B = ${B})`, () => {
      expectSame('a2sf', map, T, B, accumulateRef(T, B, Math.round(B / 2), map, 0.95));
      expectSame('a2sf', map, T, B, accumulateRef(T, B, 3, map, 0.5), { lambda: 0.5, recent: 3 });
    });
    it(`Scissorhands: low-importance counts over the history window (B = ${B})`, () => {
      expectSame('scissorhands', map, T, B, scissorhandsRef(T, B, Math.round(B / 2), B, map));
      expectSame('scissorhands', map, T, B, scissorhandsRef(T, B, 2, 5, map), { recent: 2, history: 5 });
    });
    it(`Keyformer: accumulated Gumbel softmax of log A with τ 1 → 2 (B = ${B})`, () =>
      expectSame('keyformer', map, T, B, keyformerRef(T, B, Math.round(B * 0.3), map, seed), { rng: new Rng(seed) }));
    it(`SnapKV: pooled window votes at every prompt length (B = ${B})`, () => {
      const w = Math.max(1, Math.round(B * 0.2));
      expectSame('snapkv', map, T, B, snapRef(T, B, w, 5, map));
      expectSame('snapkv', map, T, B, snapRef(T, B, 3, 3, map), { window: 3, kernel: 3 });
      expectSame('snapkv', map, T, B, snapRef(T, B, 2, 7, map, 'max'), { window: 2, kernel: 7, pool: 'max' });
    });
    it(`the ceiling keeps the B largest of each row (B = ${B})`, () => expectSame('topk', map, T, B, topkRef(T, B, map)));
  }
});
