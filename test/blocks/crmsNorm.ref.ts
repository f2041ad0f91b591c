/**
 * Reference: CRMSNorm (Jiang et al., 2023), per row. Only the first d − 1 features x̂ are read; the
 * d-th is rebuilt as −Σx̂, and the rebuilt vector is divided by √((‖x̂‖² + (Σx̂)²)/d + ε), times γ.
 */
import type { RefContext, References } from '../reference/context';
import { mat, type Mat } from '../reference/math';

export function crmsNorm(ctx: RefContext, x: Mat, p: Record<string, unknown>): Mat {
  const eps = p['epsilon'] as number;
  const gamma = ctx.weight('gamma');
  const d = x.cols;
  const y = mat(x.rows, d);
  for (let i = 0; i < x.rows; i++) {
    let sum = 0;
    let squares = 0;
    for (let k = 0; k < d - 1; k++) {
      const v = x.v[i * d + k]!;
      sum += v;
      squares += v * v;
    }
    const inv = 1 / Math.sqrt((squares + sum * sum) / d + eps);
    for (let k = 0; k < d - 1; k++) y.v[i * d + k] = x.v[i * d + k]! * inv * gamma[k]!;
    y.v[i * d + d - 1] = -sum * inv * gamma[d - 1]!;
  }
  return y;
}

/** What this file is the reference of, by slot and kind (test/reference/forward64.ts finds it here). */
export const references: References = { norm: { crms_norm: crmsNorm } };
