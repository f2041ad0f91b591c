/**
 * Reference linear attention and simplified linear attention (SLAB), written from the recurrence
 * of "Transformers are RNNs" (Katharopoulos et al., 2020), one head and one step at a time:
 *   S_t = S_{t−1} + φ(k_t) v_tᵀ,  z_t = z_{t−1} + φ(k_t),  o_t = φ(q_t)ᵀ S_t / (φ(q_t)·z_t + ε)
 * (bidirectional: S and z summed over the whole sequence first), ε = 1e-6 as in fast-transformers.
 * The implicit map comes from the same quantities: A_tj = φ(q_t)·φ(k_j) / (φ(q_t)·z_t + ε).
 * SLAB adds a depthwise convolution of the values with one kernel per head (weight "dwc" [H, kernel]),
 * centred when bidirectional and looking back when causal, and its band to the map.
 */
import { multiHead, type RefContext, type References } from '../reference/context';
import { mat, type Mat } from '../reference/math';

type P = Record<string, unknown>;

const EPS = 1e-6;
const elu1 = (x: number) => (x > 0 ? x + 1 : Math.exp(x));
const relu = (x: number) => Math.max(x, 0);

/** One head of linear attention by the recurrence: its output [T, hd] and map [T, T]. */
function recurrentHead(fq: Mat, fk: Mat, vh: Mat, causal: boolean): { out: Mat; map: Float64Array } {
  const { rows: T, cols: hd } = fq;
  const S = new Float64Array(hd * hd); // S[c][e] = Σ φ(k)_c v_e
  const z = new Float64Array(hd);
  const absorb = (t: number) => {
    for (let c = 0; c < hd; c++) {
      const kc = fk.v[t * hd + c]!;
      z[c]! += kc;
      for (let e = 0; e < hd; e++) S[c * hd + e]! += kc * vh.v[t * hd + e]!;
    }
  };
  if (!causal) for (let t = 0; t < T; t++) absorb(t);
  const out = mat(T, hd);
  const map = new Float64Array(T * T);
  for (let t = 0; t < T; t++) {
    if (causal) absorb(t);
    let den = EPS;
    for (let c = 0; c < hd; c++) den += fq.v[t * hd + c]! * z[c]!;
    for (let e = 0; e < hd; e++) {
      let s = 0;
      for (let c = 0; c < hd; c++) s += fq.v[t * hd + c]! * S[c * hd + e]!;
      out.v[t * hd + e] = s / den;
    }
    const last = causal ? t : T - 1;
    for (let j = 0; j <= last; j++) {
      let dot = 0;
      for (let c = 0; c < hd; c++) dot += fq.v[t * hd + c]! * fk.v[j * hd + c]!;
      map[t * T + j] = dot / den;
    }
  }
  return { out, map };
}

function linearFamily(ctx: RefContext, x: Mat, phi: (v: number) => number, causal: boolean, conv: { w: Float64Array; kernel: number } | null) {
  const { T, headDim: hd } = ctx;
  return multiHead(ctx, x, (h, fq, fk, vh, probs) => {
    fq.v = fq.v.map(phi);
    fk.v = fk.v.map(phi);
    const { out, map } = recurrentHead(fq, fk, vh, causal);
    if (conv) {
      // y_t += Σ_s w_h[s] v_{t−s} (causal) or v_{t+s−p} (centred, p = (kernel − 1)/2), zero outside.
      const p = (conv.kernel - 1) / 2;
      for (let t = 0; t < T; t++)
        for (let s = 0; s < conv.kernel; s++) {
          const j = causal ? t - s : t + s - p;
          if (j < 0 || j >= T) continue;
          const w = conv.w[h * conv.kernel + s]!;
          map[t * T + j]! += w;
          for (let e = 0; e < hd; e++) out.v[t * hd + e]! += w * vh.v[j * hd + e]!;
        }
    }
    probs.set(map, h * T * T);
    return out;
  });
}

/** Linear attention, φ = elu + 1 or ReLU. */
export const linearAttention = (ctx: RefContext, x: Mat, p: P) =>
  linearFamily(ctx, x, p['feature'] === 'relu' ? relu : elu1, p['causal'] !== false, null);

/** SLAB's simplified linear attention: ReLU kernel plus a per-head depthwise convolution of V. */
export const slab = (ctx: RefContext, x: Mat, p: P) =>
  linearFamily(ctx, x, relu, p['causal'] !== false, { w: ctx.weight('dwc'), kernel: p['kernel'] as number });

/** What this file is the reference of, by slot and kind (test/reference/forward64.ts finds it here). */
export const references: References = { mixer: { linear_attention: linearAttention, slab } };
