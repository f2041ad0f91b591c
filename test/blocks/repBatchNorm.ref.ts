/**
 * Reference: SLAB's progressive re-parameterised BatchNorm (Guo et al., 2024), per row.
 *
 * Inference (the default): RepBN with the running statistics,
 *   y = (x − μ_run)/√(σ²_run + ε)·γ + β + α·x.
 * Training (while `batchTraining` is set by a test): y = λ·LN(x) + (1 − λ)·(BN(x) + α·x) with BN's
 * statistics over the whole batch. A batch statistic couples the sequences, which the per-sequence
 * reference forward cannot see at once; so the test runs the forward pass several times: call k of
 * the norm uses the statistics found for call k in the passes before, or, the first time call k is
 * reached, records its input (and the rest of that pass is discarded). See repBatchNorm.test.ts.
 */
import type { RefContext, References } from '../reference/context';
import { mat, type Mat } from '../reference/math';

/** Batch statistics of one call of the norm: mean and biased variance per feature, over all B·T rows. */
export interface BatchStats {
  mean: Float64Array;
  variance: Float64Array;
  rows: number;
}

/** The training pass in progress: the step number, the statistics known so far, and what call k collects. */
export const batchTraining: {
  active: boolean;
  step: number;
  stats: BatchStats[];
  call: number;
  collected: Mat[];
} = { active: false, step: 1, stats: [], call: 0, collected: [] };

/** λ of SLAB's LinearNorm at training step s: 1 for `warm` steps, then r0·iter/steps with iter = steps, steps − 1, …, 0, 0, … */
function lambdaAt(s: number, p: Record<string, unknown>): number {
  const warm = p['warm'] as number;
  const steps = p['steps'] as number;
  if (s <= warm) return 1;
  let iter = steps;
  for (let t = warm + 1; t < s; t++) if (iter > 0) iter--; // the code: iter.copy_(iter − 1) while iter > 0
  return ((p['r0'] as number) * iter) / steps;
}

export function repBatchNorm(ctx: RefContext, x: Mat, p: Record<string, unknown>): Mat {
  const eps = p['epsilon'] as number;
  const [gamma, beta, alpha] = [ctx.weight('gamma'), ctx.weight('beta'), ctx.weight('alpha')[0]!] as [Float64Array, Float64Array, number];
  const d = x.cols;
  const y = mat(x.rows, d);
  if (!batchTraining.active) {
    const mean = ctx.weight('running_mean');
    const variance = ctx.weight('running_var');
    for (let i = 0; i < x.rows; i++)
      for (let k = 0; k < d; k++) {
        const v = x.v[i * d + k]!;
        y.v[i * d + k] = ((v - mean[k]!) / Math.sqrt(variance[k]! + eps)) * gamma[k]! + beta[k]! + alpha * v;
      }
    return y;
  }
  const call = batchTraining.call++;
  const stats = batchTraining.stats[call];
  if (!stats) {
    if (call === batchTraining.stats.length) batchTraining.collected.push(x);
    return x; // this pass only gathers call k's inputs
  }
  const lambda = lambdaAt(batchTraining.step, p);
  const lnGamma = ctx.weight('ln_gamma');
  const lnBeta = ctx.weight('ln_beta');
  for (let i = 0; i < x.rows; i++) {
    const row = x.v.subarray(i * d, (i + 1) * d);
    const mu = row.reduce((a, b) => a + b, 0) / d;
    const inv = 1 / Math.sqrt(row.reduce((a, b) => a + (b - mu) ** 2, 0) / d + eps);
    for (let k = 0; k < d; k++) {
      const v = row[k]!;
      const ln = (v - mu) * inv * lnGamma[k]! + lnBeta[k]!;
      const bn = ((v - stats.mean[k]!) / Math.sqrt(stats.variance[k]! + eps)) * gamma[k]! + beta[k]!;
      y.v[i * d + k] = lambda * ln + (1 - lambda) * (bn + alpha * v);
    }
  }
  return y;
}

/** Mean and biased variance per feature over the rows of all `inputs`. */
export function batchStats(inputs: Mat[]): BatchStats {
  const d = inputs[0]!.cols;
  const mean = new Float64Array(d);
  const variance = new Float64Array(d);
  const rows = inputs.reduce((n, m) => n + m.rows, 0);
  for (const m of inputs) for (let i = 0; i < m.rows; i++) for (let k = 0; k < d; k++) mean[k]! += m.v[i * d + k]! / rows;
  for (const m of inputs) for (let i = 0; i < m.rows; i++) for (let k = 0; k < d; k++) variance[k]! += (m.v[i * d + k]! - mean[k]!) ** 2 / rows;
  return { mean, variance, rows };
}

/** What this file is the reference of, by slot and kind (test/reference/forward64.ts finds it here). */
export const references: References = { norm: { rep_batch_norm: repBatchNorm } };
