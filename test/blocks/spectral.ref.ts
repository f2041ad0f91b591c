/**
 * Spectral mixer reference, from the definition: per head h, y = Bᵀ diag(λ_h) B x with B the
 * orthonormal DCT-II along tokens, B_fj = c_f cos(π f (2j + 1) / 2T) (c_0 = √(1/T), c_f = √(2/T)),
 * and λ_h,f = w_h,⌊f·bands/T⌋. The map A_h = Bᵀ diag(λ_h) B is formed as a dense product.
 */
import type { RefContext, References } from '../reference/context';
import { mat, type Mat } from '../reference/math';

type P = Record<string, unknown>;

/** The orthonormal DCT-II matrix [T][T] (row f, column j). */
export function dctMatrix(T: number): number[][] {
  return Array.from({ length: T }, (_, f) => Array.from({ length: T }, (_, j) => Math.sqrt((f === 0 ? 1 : 2) / T) * Math.cos((Math.PI * f * (2 * j + 1)) / (2 * T))));
}

export function spectral(ctx: RefContext, x: Mat, p: P): { y: Mat; probs: Float64Array } {
  const { T, nHeads: H, headDim: hd, dModel: d } = ctx;
  const bands = p['bands'] as number;
  const w = ctx.weight('band_weights'); // [H, bands]
  const B = dctMatrix(T);
  const y = mat(T, d);
  const probs = new Float64Array(H * T * T);
  for (let h = 0; h < H; h++) {
    const lambda = Array.from({ length: T }, (_, f) => w[h * bands + Math.floor((f * bands) / T)]!);
    for (let j = 0; j < T; j++)
      for (let k = 0; k < T; k++) {
        let a = 0;
        for (let f = 0; f < T; f++) a += B[f]![j]! * lambda[f]! * B[f]![k]!;
        probs[(h * T + j) * T + k] = a;
      }
    for (let j = 0; j < T; j++)
      for (let c = 0; c < hd; c++) {
        let s = 0;
        for (let k = 0; k < T; k++) s += probs[(h * T + j) * T + k]! * x.v[k * d + h * hd + c]!;
        y.v[j * d + h * hd + c] = s;
      }
  }
  return { y, probs };
}

/** What this file is the reference of, by slot and kind (test/reference/forward64.ts finds it here). */
export const references: References = { mixer: { spectral } };
