/**
 * TokenFormer reference, from the paper's math (and the authors' 'l2_norm_gelu' Pattention):
 * Pattention(X) = Θ(X K_Pᵀ) V_P with Θ(S)_tp = GELU(S_tp · √P / ‖S_t‖₂), plain loops in float64.
 * The mixer is softmax attention (test/blocks/attention.ref.ts) whose q, k, v and o projections are
 * Pattention layers; it records the probe param_attn.<run> [4, T, P] (Θ of q, k, v, o).
 */
import type { RefContext, References } from '../reference/context';
import { erf, mat, type Mat } from '../reference/math';
import { referenceAttention } from './attention.ref';

type P = Record<string, unknown>;

/** Pattention over x [T, dIn] with the weights `${name}_keys` [P, dIn] and `${name}_values` [P, dOut]; returns y and Θ [T, P]. */
export function refPattention(ctx: RefContext, x: Mat, dOut: number, P: number, name: string): { y: Mat; theta: Float64Array } {
  const { T } = ctx;
  const dIn = x.cols;
  const K = ctx.weight(`${name}_keys`);
  const V = ctx.weight(`${name}_values`);
  const theta = new Float64Array(T * P);
  const y = mat(T, dOut);
  for (let t = 0; t < T; t++) {
    const s = Array.from({ length: P }, (_, p) => {
      let dot = 0;
      for (let c = 0; c < dIn; c++) dot += x.v[t * dIn + c]! * K[p * dIn + c]!;
      return dot;
    });
    const norm = Math.max(Math.sqrt(s.reduce((a, v) => a + v * v, 0)), 1e-12);
    for (let p = 0; p < P; p++) {
      const u = (s[p]! * Math.sqrt(P)) / norm;
      const g = 0.5 * u * (1 + erf(u / Math.SQRT2));
      theta[t * P + p] = g;
      for (let c = 0; c < dOut; c++) y.v[t * dOut + c]! += g * V[p * dOut + c]!;
    }
  }
  return { y, theta };
}

export function tokenformer(ctx: RefContext, x: Mat, p: P): { y: Mat; probs: Float64Array } {
  const P = p['tokens'] as number;
  const thetas = new Map<string, Float64Array>();
  const linear: RefContext['linear'] = (u, outDim, name) => {
    const r = refPattention(ctx, u, outDim, P, name);
    thetas.set(name, r.theta);
    return r.y;
  };
  const causal = p['causal'] !== false;
  const out = referenceAttention({ ...ctx, linear }, x, { kvHeads: 0, visible: (i, j) => !causal || j <= i });
  const probe = new Float64Array(4 * ctx.T * P);
  ['q', 'k', 'v', 'o'].forEach((n, i) => probe.set(thetas.get(n)!, i * ctx.T * P));
  ctx.probes.set(`param_attn.${ctx.layer}`, probe);
  return out;
}

export function pattentionFfn(ctx: RefContext, x: Mat, p: P): Mat {
  return refPattention(ctx, x, ctx.dModel, p['tokens'] as number, 'ffn').y;
}

/** What this file is the reference of, by slot and kind (test/reference/forward64.ts finds it here). */
export const references: References = { mixer: { tokenformer }, ffn: { pattention_ffn: pattentionFfn } };
