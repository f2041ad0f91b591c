/**
 * Reference multi-scale retention (RetNet), written from its recurrent form as torchscale's
 * recurrent_forward computes it (without GroupNorm and gate), one head and one step at a time:
 *   S_n = γ S_{n−1} + k_nᵀ v_n,   s_n = γ s_{n−1} + 1,   o_n = q_n S_n / √s_n
 * with γ_h = 1 − 2^(−5−h), k scaled by 1/√headDim, no biases. The implicit map from the same
 * quantities: A_nm = γ^(n−m) (q_n·k_m) / √s_n for m ≤ n.
 * Rotation 'retnet' (torchscale's RetNetRelPos + theta_shift): angle_i = 1 / 10000^(i/(P−1)) for the
 * P = ⌊hd/2⌋ pairs (torch.linspace(0, 1, P) includes both ends; P = 1 gives angle 1), dimensions
 * (2i, 2i+1) share angle i, and theta_shift(x) = x·cos + (−x₁, x₀, −x₃, x₂, …)·sin at position n:
 *   x'_{2i} = x_{2i} cos(nθ_i) − x_{2i+1} sin(nθ_i),  x'_{2i+1} = x_{2i+1} cos(nθ_i) + x_{2i} sin(nθ_i).
 * Rotation 'position': the model's position block rotates q and k.
 */
import type { RefContext, References } from '../reference/context';
import { columns, mat, setColumns, type Mat } from '../reference/math';

type P = Record<string, unknown>;

/** torchscale's theta_shift of one head's [T, hd] rows, written out per pair. */
export function retnetRotate(m: Mat): Mat {
  const hd = m.cols;
  const P = Math.floor(hd / 2);
  const out = mat(m.rows, hd, Float64Array.from(m.v));
  for (let n = 0; n < m.rows; n++)
    for (let i = 0; i < P; i++) {
      const angle = 1 / Math.pow(10000, P === 1 ? 0 : i / (P - 1));
      const [c, s] = [Math.cos(n * angle), Math.sin(n * angle)];
      const x0 = m.v[n * hd + 2 * i]!;
      const x1 = m.v[n * hd + 2 * i + 1]!;
      out.v[n * hd + 2 * i] = x0 * c - x1 * s;
      out.v[n * hd + 2 * i + 1] = x1 * c + x0 * s;
    }
  return out;
}

export const retention = (ctx: RefContext, x: Mat, p: P) => {
  const rotate = p['rotation'] === 'position' ? (m: Mat) => ctx.position.rotate(m) : retnetRotate;
  const { T, nHeads: H, headDim: hd, dModel: d } = ctx;
  const q = ctx.linear(x, d, 'q', { bias: false });
  const k = ctx.linear(x, d, 'k', { bias: false });
  const v = ctx.linear(x, d, 'v', { bias: false });
  const probs = new Float64Array(H * T * T);
  const mixed = mat(T, d);
  for (let h = 0; h < H; h++) {
    const gamma = 1 - Math.pow(2, -5 - h);
    const qh = rotate(columns(q, h * hd, hd));
    const kh = rotate(columns(k, h * hd, hd));
    kh.v = kh.v.map((u) => u / Math.sqrt(hd)); // scaling before or after the rotation is the same
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
