/**
 * Reference: top-k mixture of experts (Switch Transformers for k = 1; GShard / Mixtral for k > 1).
 *   p = softmax(x W_r) per token; keep the k largest p_e; k = 1: gate = p_e; k > 1: gates renormalised
 *   to sum to 1; y = Σ_{kept e} gate_e · (gelu(x W₁ᵉ + b₁ᵉ) W₂ᵉ + b₂ᵉ).
 * Only the kept experts are evaluated (sparse dispatch, as the papers define it). Writes the router
 * probabilities [T, E] into ctx.probes as "router_probs.<layer>".
 */
import type { RefContext, References } from '../reference/context';
import { affine, erf, map, mat, softmax, type Mat } from '../reference/math';

const gelu = (u: number): number => 0.5 * u * (1 + erf(u / Math.SQRT2));

/** Gates of one token from its router probabilities: the k largest kept, renormalised when k > 1. */
export function moeGates(probs: number[], k: number): number[] {
  const order = probs.map((_, e) => e).sort((i, j) => probs[j]! - probs[i]!);
  const kept = new Set(order.slice(0, k));
  const gates = probs.map((q, e) => (kept.has(e) ? q : 0));
  if (k === 1) return gates;
  const z = gates.reduce((s, g) => s + g, 0);
  return gates.map((g) => g / z);
}

export function moe(ctx: RefContext, x: Mat, p: Record<string, unknown>): Mat {
  const { T, dModel: d } = ctx;
  const E = p['experts'] as number;
  const k = p['k'] as number;
  const h = d * (p['expansion'] as number);
  const logits = ctx.linear(x, E, 'router', { bias: false });
  const [w1, b1, w2, b2] = ['w1', 'b1', 'w2', 'b2'].map((n) => ctx.weight(n)) as [Float64Array, Float64Array, Float64Array, Float64Array];
  const probs = new Float64Array(T * E);
  const y = mat(T, d);
  for (let t = 0; t < T; t++) {
    const pt = softmax(Array.from(logits.v.subarray(t * E, (t + 1) * E)));
    probs.set(pt, t * E);
    const xt = mat(1, d, x.v.slice(t * d, (t + 1) * d));
    moeGates(pt, k).forEach((g, e) => {
      if (g === 0) return;
      const hid = map(affine(xt, w1.subarray(e * d * h, (e + 1) * d * h), b1.subarray(e * h, (e + 1) * h), h), gelu);
      const out = affine(hid, w2.subarray(e * h * d, (e + 1) * h * d), b2.subarray(e * d, (e + 1) * d), d);
      for (let c = 0; c < d; c++) y.v[t * d + c]! += g * out.v[c]!;
    });
  }
  ctx.probes.set(`router_probs.${ctx.layer}`, probs);
  return y;
}

/** What this file is the reference of, by slot and kind (test/reference/forward64.ts finds it here). */
export const references: References = { ffn: { moe } };
