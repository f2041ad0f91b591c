/**
 * The optimiser's settings: AdamW (Loshchilov & Hutter, Decoupled Weight Decay Regularization)
 * with global-norm gradient clipping. The learning rate is not here: it is an input of every
 * step, so warm-up and cosine decay are the caller's schedule (schedule.ts).
 */
export interface OptimizerSettings {
  beta1: number;
  beta2: number;
  eps: number;
  /** Decoupled weight decay λ: w ← w − lr·(m̂ / (√v̂ + ε) + λ·w), for matrices only. */
  weightDecay: number;
  /** The global gradient norm is scaled down to this when larger. */
  clipNorm: number;
}

export const DEFAULT_OPTIMIZER: OptimizerSettings = { beta1: 0.9, beta2: 0.99, eps: 1e-8, weightDecay: 0.01, clipNorm: 1 };
