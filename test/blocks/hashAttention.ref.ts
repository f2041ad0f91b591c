/**
 * Hashing attention reference (EcoFormer, Liu et al. 2022, with the authors' code's bias term),
 * from the definition, one head and one pair at a time, in float64:
 *   u_t = unit(q_t) (q = x W_QK, shared by queries and keys), a_m = unit(anchor m)
 *   d_tm = Σ_c (u_tc − a_mc)²,  σ_t = mean_m d_tm,  κ_tm = exp(−d_tm / 2σ_t)
 *   h_tk = +1 if Σ_m κ_tm A_mk > 0 else −1
 *   w_ij = (b − 2·Hamming(h_i, h_j)) + b + 1,  A_ij = w_ij / Σ_{j′ visible} w_ij′,  y_i = Σ_j A_ij v_j
 * The Hamming distance is counted bit by bit (not through the dot product the block uses). The
 * block's additive guard ε = 1e-6 in the denominator (≥ 1 here) is left out: it moves a row by
 * at most 1e-6 relative.
 */
import type { RefContext, References } from '../reference/context';
import { columns, mat, setColumns, type Mat } from '../reference/math';

type P = Record<string, unknown>;

/** Row t of m [rows, cols] scaled to unit length (√(Σ x² + 1e-12), as the block guards it). */
function unitRows(v: Float64Array, rows: number, cols: number): Float64Array {
  const out = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    let s = 1e-12;
    for (let c = 0; c < cols; c++) s += v[r * cols + c]! ** 2;
    for (let c = 0; c < cols; c++) out[r * cols + c] = v[r * cols + c]! / Math.sqrt(s);
  }
  return out;
}

/** The b-bit codes of one head's unit vectors u [T, hd] → [T][bits] of ±1. */
function codes(u: Float64Array, T: number, hd: number, anchors: Float64Array, A: Float64Array, M: number, bits: number): number[][] {
  const out: number[][] = [];
  for (let t = 0; t < T; t++) {
    const dist = Array.from({ length: M }, (_, m) => {
      let s = 0;
      for (let c = 0; c < hd; c++) s += (u[t * hd + c]! - anchors[m * hd + c]!) ** 2;
      return s;
    });
    const sigma = dist.reduce((a, b) => a + b, 0) / M;
    const kappa = dist.map((d) => Math.exp(-d / (2 * sigma)));
    out.push(
      Array.from({ length: bits }, (_, k) => {
        let z = 0;
        for (let m = 0; m < M; m++) z += kappa[m]! * A[m * bits + k]!;
        return z > 0 ? 1 : -1;
      }),
    );
  }
  return out;
}

export function hashAttention(ctx: RefContext, x: Mat, p: P): { y: Mat; probs: Float64Array } {
  const { T, nHeads: H, headDim: hd, dModel: d } = ctx;
  const bits = p['bits'] as number;
  const M = p['anchors'] as number;
  const causal = p['causal'] !== false;
  const qk = ctx.linear(x, d, 'qk', { bias: false });
  const v = ctx.linear(x, d, 'v');
  const anchorsAll = ctx.weight('anchors'); // [H, M, hd]
  const hashAll = ctx.weight('hash'); // [H, M, bits]
  const probs = new Float64Array(H * T * T);
  const mixed = mat(T, d);
  for (let h = 0; h < H; h++) {
    const u = unitRows(columns(qk, h * hd, hd).v, T, hd);
    const anchors = unitRows(anchorsAll.subarray(h * M * hd, (h + 1) * M * hd), M, hd);
    const code = codes(u, T, hd, anchors, hashAll.subarray(h * M * bits, (h + 1) * M * bits), M, bits);
    const vh = columns(v, h * hd, hd);
    const out = mat(T, hd);
    for (let i = 0; i < T; i++) {
      const last = causal ? i : T - 1;
      const w: number[] = [];
      for (let j = 0; j <= last; j++) {
        let hamming = 0;
        for (let k = 0; k < bits; k++) if (code[i]![k] !== code[j]![k]) hamming++;
        w.push(bits - 2 * hamming + bits + 1);
      }
      const total = w.reduce((a, b) => a + b, 0);
      w.forEach((wij, j) => {
        probs[(h * T + i) * T + j] = wij / total;
        for (let e = 0; e < hd; e++) out.v[i * hd + e]! += (wij / total) * vh.v[j * hd + e]!;
      });
    }
    setColumns(mixed, h * hd, out);
  }
  return { y: ctx.linear(mixed, d, 'o'), probs };
}

/** What this file is the reference of, by slot and kind (test/reference/forward64.ts finds it here). */
export const references: References = { mixer: { hash_attention: hashAttention } };
