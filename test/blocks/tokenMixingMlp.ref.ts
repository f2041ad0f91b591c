/**
 * Token-mixing MLP reference (MLP-Mixer / TSMixer, linear form): y_i = Σ_j M_ij x_j over the
 * visible tokens (j ≤ i when causal), M the top-left T × T corner of the learned maxLen × maxLen
 * matrix; the map is M (masked) in every head.
 */
import type { RefContext, References } from '../reference/context';
import { mat, type Mat } from '../reference/math';

type P = Record<string, unknown>;

export function tokenMixingMlp(ctx: RefContext, x: Mat, p: P): { y: Mat; probs: Float64Array } {
  const { T, nHeads: H, dModel: d, maxLen } = ctx;
  const causal = p['causal'] !== false;
  const M = ctx.weight('mix'); // [maxLen, maxLen], row-major
  const w = (i: number, j: number) => (causal && j > i ? 0 : M[i * maxLen + j]!);
  const y = mat(T, d);
  const probs = new Float64Array(H * T * T);
  for (let i = 0; i < T; i++) {
    for (let j = 0; j < T; j++) {
      const a = w(i, j);
      for (let c = 0; c < d; c++) y.v[i * d + c]! += a * x.v[j * d + c]!;
      for (let h = 0; h < H; h++) probs[(h * T + i) * T + j] = a;
    }
  }
  return { y, probs };
}

/** What this file is the reference of, by slot and kind (test/reference/forward64.ts finds it here). */
export const references: References = { mixer: { token_mixing_mlp: tokenMixingMlp } };
