/** References: LayerNorm (Ba et al., 2016) and RMSNorm (Zhang & Sennrich, 2019), per row. */
import type { RefContext, References } from '../reference/context';
import { mat, type Mat } from '../reference/math';

export function layerNorm(ctx: RefContext, x: Mat, p: Record<string, unknown>): Mat {
  const eps = p['epsilon'] as number;
  const gamma = ctx.weight('gamma');
  const beta = ctx.weight('beta');
  const y = mat(x.rows, x.cols);
  for (let i = 0; i < x.rows; i++) {
    const row = x.v.subarray(i * x.cols, (i + 1) * x.cols);
    const mean = row.reduce((a, b) => a + b, 0) / x.cols;
    const variance = row.reduce((a, b) => a + (b - mean) ** 2, 0) / x.cols;
    const inv = 1 / Math.sqrt(variance + eps);
    row.forEach((v, k) => (y.v[i * x.cols + k] = (v - mean) * inv * gamma[k]! + beta[k]!));
  }
  return y;
}

export function rmsNorm(ctx: RefContext, x: Mat, p: Record<string, unknown>): Mat {
  const eps = p['epsilon'] as number;
  const gamma = ctx.weight('gamma');
  const y = mat(x.rows, x.cols);
  for (let i = 0; i < x.rows; i++) {
    const row = x.v.subarray(i * x.cols, (i + 1) * x.cols);
    const inv = 1 / Math.sqrt(row.reduce((a, b) => a + b * b, 0) / x.cols + eps);
    row.forEach((v, k) => (y.v[i * x.cols + k] = v * inv * gamma[k]!));
  }
  return y;
}

/** What this file is the reference of, by slot and kind (test/reference/forward64.ts finds it here). */
export const references: References = { norm: { layer_norm: layerNorm, rms_norm: rmsNorm, none: (_ctx, x) => x } };
