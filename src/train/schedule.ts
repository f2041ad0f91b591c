/**
 * The learning-rate schedule: linear warm-up from 0 over `warmup` steps, then cosine decay to
 * `minRatio` of the peak at the last step (as in GPT-3 and nanoGPT). Steps count from 1.
 */
export interface LrSchedule {
  /** The peak learning rate. */
  lr: number;
  warmup: number;
  /** The step the decay ends at (the run's length). */
  steps: number;
  /** The floor as a fraction of the peak (0.1 in nanoGPT). */
  minRatio: number;
}

export function learningRate(step: number, s: LrSchedule): number {
  if (s.warmup > 0 && step <= s.warmup) return (s.lr * step) / s.warmup;
  const progress = Math.min(1, (step - s.warmup) / Math.max(1, s.steps - s.warmup));
  return s.lr * (s.minRatio + (1 - s.minRatio) * 0.5 * (1 + Math.cos(Math.PI * progress)));
}
