/**
 * A training recipe: what to train on and how. It is data like the spec (share links carry it,
 * trained-model files hold it), so it lives here; src/train/run.ts follows it.
 */
export interface Recipe {
  task: string;
  taskParams: Record<string, unknown>;
  /** The text of a task that takes one (character-level language modelling). */
  text?: string;
  T: number;
  batch: number;
  steps: number;
  /** Peak learning rate, reached after `warmup` steps, then cosine decay to `minLrRatio` of it. */
  lr: number;
  warmup: number;
  minLrRatio: number;
  /** Seeds the weights (as the spec's seed) and the order of the training batches. */
  seed: number;
  /** Evaluate on the held-out set every this many steps (and after the last). */
  evalEvery: number;
  /** AdamW's decoupled weight decay on matrices (DEFAULT_OPTIMIZER's when absent). */
  weightDecay?: number;
}
