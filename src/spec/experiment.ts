/**
 * An experiment as data: which models to train (variants, optionally crossed with one parameter
 * swept over values), on which task and recipe, with which seeds, and what to measure on each
 * trained model. Like the spec and the recipe it is plain JSON: share links and files carry the
 * definition (never the results), and src/train/experiment.ts runs it, one training after another.
 *
 * A run is one (variant, sweep value, seed); the runs of one (variant, sweep value) over the seeds
 * are summarised by their mean and spread.
 */
import type { Recipe } from './recipe';
import type { Spec } from './types';

/** One model an experiment trains: a preset id or a whole spec, with the recipe fields it changes. */
export interface Variant {
  /** What the table and the chart call it ("softmax attention", "lr 1e-2"). */
  label: string;
  /** A preset id (src/presets) or a spec. */
  model: string | Spec;
  /** Recipe fields this variant changes from the experiment's (not the seed: the experiment's seeds are used). */
  recipe?: Partial<Omit<Recipe, 'seed'>>;
}

/**
 * One parameter swept over values, crossed with every variant. The path names a field of the spec
 * (`dModel`, `nHeads`, `sigmaReparam.gamma`; `layers.*.mixer.params.kvHeads` sets it in every
 * layer) or of the recipe (`recipe.lr`, `recipe.steps`).
 */
export interface Sweep {
  path: string;
  values: (number | string | boolean)[];
}

/** What a head statistic is read from the probe's maps (src/analysis/headStats.ts; entropy as a fraction of uniform, as the entropy view shows it). */
export const HEAD_STATS = ['previousToken', 'induction', 'sink', 'distance', 'entropy'] as const;
export type HeadStat = (typeof HEAD_STATS)[number];

/**
 * What is measured on each trained model. Every measure is taken after the last step; those
 * marked "tracked" are also taken at every held-out evaluation (the recipe's evalEvery), so their
 * course over training can be drawn.
 */
export type Measure =
  /** Held-out accuracy at the training length (tracked). */
  | { kind: 'accuracy' }
  /** Held-out loss at the training length (tracked). */
  | { kind: 'loss' }
  /** Mean training loss over the last tenth of the steps taken. */
  | { kind: 'trainLoss' }
  /** The largest rise of the training loss above its lowest value so far, after warm-up: how badly training spiked. */
  | { kind: 'lossSpike' }
  /** 1 when a step's loss was not a number (the run stopped there), else 0. */
  | { kind: 'diverged' }
  /** The first evaluation step whose held-out accuracy reached `accuracy`; null when none did. */
  | { kind: 'stepsTo'; accuracy: number }
  /**
   * Held-out accuracy at another length than trained on: the eval graph built at `T`, fed the
   * trained weights (src/train/evaluate.ts evaluateAt). `taskParams` replaces the recipe's task
   * parameters for the held-out examples (longer strings for copy at 2×); the model's maxLen must cover T.
   */
  | { kind: 'accuracyAt'; T: number; taskParams?: Record<string, unknown> }
  /**
   * A head statistic on the probe example (tracked). With `head`, that head's; without, the
   * highest over the layer run's heads (the lowest for entropy).
   */
  | { kind: 'head'; stat: HeadStat; layer: number; head?: number }
  /** Mean RMS of the residual stream on the probe after layer run `after` (0: the embeddings; −1: the last run) (tracked). */
  | { kind: 'residual'; after: number };

export interface Experiment {
  title: string;
  /** The question it answers, in a sentence or two. */
  question?: string;
  variants: Variant[];
  sweep?: Sweep;
  /** The task and recipe every run trains with (a variant may change fields; its seed is replaced by each of `seeds`). */
  recipe: Recipe;
  seeds: number[];
  measures: Measure[];
  /** Token ids of the example head and residual measures read; default: the task's first held-out example. */
  probe?: number[];
}

/** How a run ended. */
export type RunStatus = 'done' | 'diverged' | 'stopped' | 'failed';

/** One trained model of an experiment and what was measured on it. */
export interface ExperimentRun {
  /** Indexes into the experiment's variants and sweep values (null without a sweep), and the seed. */
  variant: number;
  sweep: number | null;
  seed: number;
  /** The variant's label with the sweep value ("Mamba-2, dModel = 64"). */
  label: string;
  status: RunStatus;
  /** Why it diverged or failed. */
  message?: string;
  /** Steps taken. */
  steps: number;
  /** The training loss of every step taken. */
  losses: number[];
  /** Held-out evaluations along the way (step, loss, accuracy). */
  evaluations: { step: number; loss: number; accuracy: number }[];
  /** The tracked measures at each evaluation, in the order of `measures` (null for a measure that is not tracked or has no value). */
  track: { step: number; values: (number | null)[] }[];
  /** Every measure after the last step, in the order of `measures`; null where it has no value. */
  values: (number | null)[];
  /** Wall-clock seconds the run took (compiling included). */
  seconds: number;
}

/** The runs of an experiment so far. */
export interface ExperimentResult {
  experiment: Experiment;
  runs: ExperimentRun[];
  /** Where the steps ran. */
  provider: string;
  /** ISO times. */
  started: string;
  finished?: string;
}

/** Where an experiment stands, as the runner reports it. */
export interface ExperimentProgress {
  /** Runs in all, and the index of the one under way (== runs when finished). */
  runs: number;
  run: number;
  /** The label and seed of the run under way. */
  label: string;
  seed: number;
  /** Steps of the run under way taken, and in all. */
  step: number;
  steps: number;
  /** Share of all the experiment's steps taken, 0 to 1 (what the one progress bar shows). */
  fraction: number;
  /** Runs finished since the previous report. */
  finished: ExperimentRun[];
}

/** The mean and spread over seeds of one measure of one (variant, sweep value): finite values only. */
export interface MeasureSummary {
  n: number;
  mean: number;
  min: number;
  max: number;
  /** Sample standard deviation (0 for one value). */
  sd: number;
}

/** One row of the results table: a (variant, sweep value) and its measures over the seeds run. */
export interface SummaryRow {
  variant: number;
  sweep: number | null;
  label: string;
  /** Runs finished for this row (of `seeds.length`), and how many of them diverged. */
  runs: number;
  diverged: number;
  /** Per measure, in the order of `measures`; null when no run has a value. */
  measures: (MeasureSummary | null)[];
}
