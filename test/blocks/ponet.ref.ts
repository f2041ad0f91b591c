/**
 * PoNet reference, from the paper's math (and the authors' fusion (g + Ŝ_i) ⊙ O_i + L̂_i), in plain
 * float64 loops: global aggregation by the mean query (running mean when causal), segment max over
 * fixed runs of `segment` tokens (running, when causal), local max over the window (centred, or
 * ending at i when causal), then the output projection.
 *
 * The map is the attribution A_h,ij = (1/hd) Σ_{c ∈ h} ∂z_ic/∂ε_jc, ε_j a shift of token j's pooled
 * features (its GA key/value K_j, S_j and L_j). The GA part is measured, not derived: central
 * finite differences of GA with ε injected, one (j, c) at a time. The max-pooling parts come from
 * the definition of max's derivative: 1 for the entry that is the max, and at an exact tie of k
 * entries 1/k each (the subgradient the training rule of ReduceMax uses; central differences
 * would give 1/2 to each, one-sided ones 1 or 0).
 */
import type { RefContext, References } from '../reference/context';
import { mat, softmax, type Mat } from '../reference/math';

type P = Record<string, unknown>;

export function ponet(ctx: RefContext, x: Mat, p: P): { y: Mat; probs: Float64Array } {
  const { T, nHeads: H, headDim: hd, dModel: d } = ctx;
  const causal = p['causal'] !== false;
  const seg = p['segment'] as number;
  const k = p['window'] as number;
  const Q = ctx.linear(x, d, 'q');
  const K = ctx.linear(x, d, 'k');
  const O = ctx.linear(x, d, 'o');
  const S = ctx.linear(x, d, 'seg');
  const L = ctx.linear(x, d, 'loc');
  const inSegment = (i: number, j: number) => Math.floor(i / seg) === Math.floor(j / seg) && (!causal || j <= i);
  const inWindow = (i: number, j: number) => (causal ? j <= i && i - j < k : Math.abs(i - j) <= (k - 1) / 2);
  const at = (m: Mat, t: number, c: number) => m.v[t * d + c]!;

  // GA logits before any shift: ḡ_i · K_m / √hd per head (ḡ_i the mean query over the tokens seen).
  const seen = (i: number) => (causal ? i + 1 : T);
  const gBar = new Float64Array(T * d);
  for (let i = 0; i < T; i++)
    for (let c = 0; c < d; c++) {
      let sum = 0;
      for (let j = 0; j < seen(i); j++) sum += at(Q, j, c);
      gBar[i * d + c] = sum / seen(i);
    }
  const logits = Array.from({ length: H * T }, (_, hi) => {
    const h = Math.floor(hi / T);
    const i = hi % T;
    return Array.from({ length: seen(i) }, (_, m) => {
      let dot = 0;
      for (let c = h * hd; c < (h + 1) * hd; c++) dot += gBar[i * d + c]! * at(K, m, c);
      return dot / Math.sqrt(hd);
    });
  });

  /** g_ic, GA's output, with the shift e added to token j's K in channel c (as key and as value; j = −1: no shift). */
  const gaAt = (i: number, c: number, j: number, e: number): number => {
    const h = Math.floor(c / hd);
    const row = [...logits[h * T + i]!];
    if (j >= 0 && j < row.length) row[j]! += (gBar[i * d + c]! * e) / Math.sqrt(hd); // K_j as a key
    const w = softmax(row);
    let g = 0;
    w.forEach((wm, m) => (g += wm * (at(K, m, c) + (m === j ? e : 0)))); // K_m as a value
    return g;
  };
  /** max_{m ∈ set(i)} F_mc, and d max / d F_jc for every j: 1 on the argmax, split 1/k among k exact ties. */
  const maxWithShares = (F: Mat, i: number, c: number, member: (i: number, m: number) => boolean): { max: number; share: Map<number, number> } => {
    let max = -Infinity;
    for (let m = 0; m < T; m++) if (member(i, m)) max = Math.max(max, at(F, m, c));
    const tied = Array.from({ length: T }, (_, m) => m).filter((m) => member(i, m) && at(F, m, c) === max);
    return { max, share: new Map(tied.map((m) => [m, 1 / tied.length])) };
  };

  const z = new Float64Array(T * d);
  const probs = new Float64Array(H * T * T);
  const step = 1e-6;
  for (let i = 0; i < T; i++)
    for (let c = 0; c < d; c++) {
      const h = Math.floor(c / hd);
      const o = at(O, i, c);
      const sm = maxWithShares(S, i, c, inSegment);
      const lm = maxWithShares(L, i, c, inWindow);
      z[i * d + c] = (gaAt(i, c, -1, 0) + sm.max) * o + lm.max;
      for (let j = 0; j < T; j++) {
        // GA: measured by central differences; max pooling: its (sub)gradient from the definition.
        const dGa = (gaAt(i, c, j, step) - gaAt(i, c, j, -step)) / (2 * step);
        const dz = dGa * o + (sm.share.get(j) ?? 0) * o + (lm.share.get(j) ?? 0);
        probs[(h * T + i) * T + j]! += dz / hd;
      }
    }
  return { y: ctx.linear(mat(T, d, z), d, 'out'), probs };
}

/** What this file is the reference of, by slot and kind (test/reference/forward64.ts finds it here). */
export const references: References = { mixer: { ponet } };
