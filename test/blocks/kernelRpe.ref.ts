/**
 * Kernelised attention with relative positions (Luo et al., 2021), from the definition, one head
 * and one pair at a time, in float64 (a direct double loop: no Toeplitz products, no FFT):
 *   φ(x) = exp(Σ_c ω_cr x̂_c − ‖x̂‖²/2) / √m, x̂ = x / hd^{1/4}   ('prf')   or   elu(x) + 1   ('elu1')
 *   w_ij = φ(q_i)·φ(k_j) · exp(b_h[i − j + maxLen − 1])   for visible j (j ≤ i when causal)
 *   A_ij = w_ij / (Σ_j′ w_ij′ + ε),  ε = 1e-6,  y_i = Σ_j A_ij v_j
 */
import { multiHead, type RefContext, type References } from '../reference/context';
import { mat, mixRow, type Mat } from '../reference/math';

type P = Record<string, unknown>;

const EPS = 1e-6;

/** φ of every row of x [T, hd] → [T][m]. */
function phi(x: Mat, feature: string, omega: Float64Array, m: number): number[][] {
  const { rows: T, cols: hd } = x;
  return Array.from({ length: T }, (_, t) => {
    const row = Array.from(x.v.subarray(t * hd, (t + 1) * hd));
    if (feature === 'elu1') return row.map((v) => (v > 0 ? v + 1 : Math.exp(v)));
    const xs = row.map((v) => v / hd ** 0.25);
    const sq = xs.reduce((a, v) => a + v * v, 0) / 2;
    return Array.from({ length: m }, (_, r) => {
      let s = 0;
      for (let c = 0; c < hd; c++) s += omega[c * m + r]! * xs[c]!;
      return Math.exp(s - sq) / Math.sqrt(m);
    });
  });
}

export function kernelRpe(ctx: RefContext, x: Mat, p: P): { y: Mat; probs: Float64Array } {
  const { T, headDim: hd, maxLen } = ctx;
  const feature = p['feature'] as string;
  const m = feature === 'prf' ? (p['features'] as number) : hd;
  const causal = p['causal'] !== false;
  const omega = feature === 'prf' ? ctx.weight('omega') : new Float64Array(0); // [hd, m]
  const rpe = ctx.weight('rpe'); // [H, 2·maxLen − 1]
  return multiHead(ctx, x, (h, qh, kh, vh, probs) => {
    const fq = phi(qh, feature, omega, m);
    const fk = phi(kh, feature, omega, m);
    const out = mat(T, hd);
    for (let i = 0; i < T; i++) {
      const w = new Array<number>(T).fill(0);
      for (let j = 0; j < T; j++) {
        if (causal && j > i) continue;
        let dot = 0;
        for (let r = 0; r < fq[i]!.length; r++) dot += fq[i]![r]! * fk[j]![r]!;
        w[j] = dot * Math.exp(rpe[h * (2 * maxLen - 1) + (i - j + maxLen - 1)]!);
      }
      const total = w.reduce((a, b) => a + b, 0) + EPS;
      mixRow(probs, h, i, w.map((wj) => wj / total), vh, out);
    }
    return out;
  });
}

/** What this file is the reference of, by slot and kind (test/reference/forward64.ts finds it here). */
export const references: References = { mixer: { kernel_rpe: kernelRpe } };
