/**
 * DeltaNet reference, written from the delta-rule recurrence of "Parallelizing Linear Transformers
 * with the Delta Rule over Sequence Length" (Yang et al., 2024), one head and one token at a time:
 *   q_t, k_t = L2-normalised (x / √(Σx² + 1e-6)),  β_t = sigmoid(x_t W_β)_h
 *   S_t = S_{t−1}(I − β_t k_t k_tᵀ) + β_t v_t k_tᵀ   (S: d_v × d_k, S_0 = 0),   o_t = S_t q_t
 * then heads concatenated and the output projection (no biases anywhere).
 * The map is read off the same recurrence: y is linear in v once q, k, β are fixed, so column s of
 * head h's map is the response to a unit value at s: one row g of the state (a d_k vector) that is
 * written β_s k_sᵀ at s and then edited by every later step, read out as A_ts = g_t · q_t.
 */
import type { RefContext, References } from '../reference/context';
import { columns, mat, setColumns, type Mat } from '../reference/math';

type P = Record<string, unknown>;

/** Row t of m scaled to unit length (with fla's ε = 1e-6 under the root). */
function l2Rows(m: Mat): Mat {
  const out = mat(m.rows, m.cols);
  for (let t = 0; t < m.rows; t++) {
    let ss = 0;
    for (let c = 0; c < m.cols; c++) ss += m.v[t * m.cols + c]! ** 2;
    const r = Math.sqrt(ss + 1e-6);
    for (let c = 0; c < m.cols; c++) out.v[t * m.cols + c] = m.v[t * m.cols + c]! / r;
  }
  return out;
}

/** One head by the recurrence: its output [T, d_v] and map [T, T]. */
export function deltaRuleHead(q: Mat, k: Mat, v: Mat, beta: number[]): { out: Mat; map: Float64Array } {
  const { rows: T, cols: dk } = k;
  const dv = v.cols;
  const row = (m: Mat, t: number) => m.v.subarray(t * m.cols, (t + 1) * m.cols);
  const out = mat(T, dv);
  const S = new Float64Array(dv * dk); // S[e][c]
  for (let t = 0; t < T; t++) {
    const [kt, vt, qt, bt] = [row(k, t), row(v, t), row(q, t), beta[t]!];
    // S ← S − β (S k) kᵀ + β v kᵀ = S + β (v − S k) kᵀ
    for (let e = 0; e < dv; e++) {
      let sk = 0;
      for (let c = 0; c < dk; c++) sk += S[e * dk + c]! * kt[c]!;
      const delta = bt * (vt[e]! - sk);
      for (let c = 0; c < dk; c++) S[e * dk + c]! += delta * kt[c]!;
    }
    for (let e = 0; e < dv; e++) {
      let o = 0;
      for (let c = 0; c < dk; c++) o += S[e * dk + c]! * qt[c]!;
      out.v[t * dv + e] = o;
    }
  }
  const map = new Float64Array(T * T);
  for (let s = 0; s < T; s++) {
    const g = new Float64Array(dk); // the state's row for a unit value written at s
    for (let t = s; t < T; t++) {
      const kt = row(k, t);
      let gk = 0;
      for (let c = 0; c < dk; c++) gk += g[c]! * kt[c]!;
      for (let c = 0; c < dk; c++) g[c]! += beta[t]! * ((t === s ? 1 : 0) - gk) * kt[c]!;
      let a = 0;
      for (let c = 0; c < dk; c++) a += g[c]! * row(q, t)[c]!;
      map[t * T + s] = a;
    }
  }
  return { out, map };
}

export function deltaNet(ctx: RefContext, x: Mat, _p: P): { y: Mat; probs: Float64Array } {
  const { T, nHeads: H, headDim: hd, dModel: d } = ctx;
  const q = ctx.linear(x, d, 'q', { bias: false });
  const k = ctx.linear(x, d, 'k', { bias: false });
  const v = ctx.linear(x, d, 'v', { bias: false });
  const betaRaw = ctx.linear(x, H, 'beta', { bias: false }); // [T, H]
  const probs = new Float64Array(H * T * T);
  const mixed = mat(T, d);
  for (let h = 0; h < H; h++) {
    const beta = Array.from({ length: T }, (_, t) => 1 / (1 + Math.exp(-betaRaw.v[t * H + h]!)));
    const { out, map } = deltaRuleHead(l2Rows(columns(q, h * hd, hd)), l2Rows(columns(k, h * hd, hd)), columns(v, h * hd, hd), beta);
    probs.set(map, h * T * T);
    setColumns(mixed, h * hd, out);
  }
  return { y: ctx.linear(mixed, d, 'o', { bias: false }), probs };
}

/** What this file is the reference of, by slot and kind (test/reference/forward64.ts finds it here). */
export const references: References = { mixer: { deltanet: deltaNet } };
