/**
 * Informer's ProbSparse self-attention reference, one head at a time in float64, written from the
 * paper (Eq. 4 and the top-u rule) with the deterministic key sample this project defines:
 *   U = u = min(T, c·⌈ln T⌉); query i samples j_s(i) = ⌊(s + φ_i)·n_i/U⌋, φ_i = frac((i + 1)·(√5 − 1)/2),
 *   n_i = its visible keys; M_i = max − mean of the sampled q_i·k_j/√d; the u largest M attend
 *   (ties: lower index first), the rest take the mean of the visible values.
 */
import { multiHead, type RefContext, type References } from '../reference/context';
import { mat, mixRow, softmax, type Mat } from '../reference/math';

type P = Record<string, unknown>;

export function probSparse(ctx: RefContext, x: Mat, p: P): { y: Mat; probs: Float64Array } {
  const { T, headDim: hd } = ctx;
  const c = p['factor'] as number;
  const causal = p['causal'] !== false;
  const u = Math.min(T, c * Math.ceil(Math.log(T)));
  const visible = (i: number, j: number) => !causal || j <= i;
  return multiHead(ctx, x, (h, qRaw, kRaw, vh, probs) => {
    const qh = ctx.position.rotate(qRaw);
    const kh = ctx.position.rotate(kRaw);
    const score = (i: number, j: number) => {
      let s = 0;
      for (let e = 0; e < hd; e++) s += qh.v[i * hd + e]! * kh.v[j * hd + e]!;
      return s / Math.sqrt(hd);
    };
    // Sparsity measurement on each query's sample of visible keys.
    const M = Array.from({ length: T }, (_, i) => {
      const n = causal ? i + 1 : T;
      const golden = ((i + 1) * (Math.sqrt(5) - 1)) / 2;
      const phi = golden - Math.floor(golden);
      const s = Array.from({ length: u }, (_, r) => score(i, Math.min(n - 1, Math.floor(((r + phi) * n) / u))));
      return Math.max(...s) - s.reduce((a, b) => a + b, 0) / u;
    });
    const order = M.map((m, i) => [m, i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
    const active = new Set(order.slice(0, u).map(([, i]) => i));
    const out = mat(T, hd);
    for (let i = 0; i < T; i++) {
      const row = active.has(i)
        ? softmax(Array.from({ length: T }, (_, j) => (visible(i, j) ? score(i, j) : -Infinity)))
        : Array.from({ length: T }, (_, j) => (visible(i, j) ? 1 / (causal ? i + 1 : T) : 0));
      mixRow(probs, h, i, row, vh, out);
    }
    return out;
  });
}

export const references: References = { mixer: { prob_sparse: probSparse } };
