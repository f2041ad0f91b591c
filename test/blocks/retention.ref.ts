/**
 * Reference multi-scale retention (RetNet), written from its recurrent form as torchscale's
 * recurrent_forward computes it (without GroupNorm and gate), one head and one step at a time:
 *   S_n = γ S_{n−1} + k_nᵀ v_n,   s_n = γ s_{n−1} + 1,   o_n = q_n S_n / √s_n
 * with γ_h = 1 − 2^(−5−h), k scaled by 1/√headDim, q and k rotated by the model's position block,
 * no biases. The implicit map from the same quantities: A_nm = γ^(n−m) (q_n·k_m) / √s_n for m ≤ n.
 */
import type { RefContext, References } from '../reference/context';
import { columns, mat, setColumns, type Mat } from '../reference/math';

type P = Record<string, unknown>;

export const retention = (ctx: RefContext, x: Mat, _p: P) => {
  const { T, nHeads: H, headDim: hd, dModel: d } = ctx;
  const q = ctx.linear(x, d, 'q', { bias: false });
  const k = ctx.linear(x, d, 'k', { bias: false });
  const v = ctx.linear(x, d, 'v', { bias: false });
  const probs = new Float64Array(H * T * T);
  const mixed = mat(T, d);
  for (let h = 0; h < H; h++) {
    const gamma = 1 - Math.pow(2, -5 - h);
    const qh = ctx.position.rotate(columns(q, h * hd, hd));
    const kh = ctx.position.rotate(columns(k, h * hd, hd));
    kh.v = kh.v.map((u) => u / Math.sqrt(hd));
    const vh = columns(v, h * hd, hd);
    const S = new Float64Array(hd * hd);
    let s = 0;
    const out = mat(T, hd);
    for (let n = 0; n < T; n++) {
      for (let c = 0; c < hd; c++)
        for (let e = 0; e < hd; e++) S[c * hd + e] = gamma * S[c * hd + e]! + kh.v[n * hd + c]! * vh.v[n * hd + e]!;
      s = gamma * s + 1;
      const norm = Math.sqrt(s);
      for (let e = 0; e < hd; e++) {
        let o = 0;
        for (let c = 0; c < hd; c++) o += qh.v[n * hd + c]! * S[c * hd + e]!;
        out.v[n * hd + e] = o / norm;
      }
      for (let m = 0; m <= n; m++) {
        let dot = 0;
        for (let c = 0; c < hd; c++) dot += qh.v[n * hd + c]! * kh.v[m * hd + c]!;
        probs[(h * T + n) * T + m] = (Math.pow(gamma, n - m) * dot) / norm;
      }
    }
    setColumns(mixed, h * hd, out);
  }
  return { y: ctx.linear(mixed, d, 'o', { bias: false }), probs };
};

/** What this file is the reference of, by slot and kind (test/reference/forward64.ts finds it here). */
export const references: References = { mixer: { retention } };
