/**
 * A whole training run: a task, a recipe (batch, length, steps, learning-rate schedule, seed), the
 * Trainer stepping through it, and held-out evaluations along the way. The command line trainer
 * (scripts/cli/train.ts) and the tests use it; the page's training job (workers/jobs.ts) takes the
 * same steps. The recipe type is the spec folder's (src/spec/recipe.ts): links and files carry it.
 */
import type { Recipe } from '../spec/recipe';
import type { Spec } from '../spec/types';
import { hash32 } from './random';
import { DEFAULT_OPTIMIZER, type OptimizerSettings } from './optimizer';
import { learningRate } from './schedule';
import { findTask, TASKS } from './tasks/registry';
import type { Batch } from './tasks/define';
import { DivergedError, Trainer, type Examples, type OrtLike, type StepReport, type TrainerOptions } from './trainer';

export type { Recipe };

/** The optimiser a recipe trains with: the defaults, with its weight decay. */
export function recipeOptimizer(r: Pick<Recipe, 'weightDecay'>): OptimizerSettings {
  return r.weightDecay === undefined ? DEFAULT_OPTIMIZER : { ...DEFAULT_OPTIMIZER, weightDecay: r.weightDecay };
}

/** A recipe with the usual defaults filled in. */
export function recipe(r: Partial<Recipe> & Pick<Recipe, 'task' | 'T'>): Recipe {
  const steps = r.steps ?? 1000;
  return { taskParams: {}, batch: 16, steps, lr: 3e-3, warmup: Math.min(100, Math.floor(steps / 10)), minLrRatio: 0.1, seed: 1, evalEvery: Math.max(50, Math.round(steps / 20)), ...r };
}

export interface Evaluation {
  step: number;
  loss: number;
  accuracy: number;
}

/** A batch's rows [from, to) as the trainer's examples, padded with unscored rows up to `B`. */
function rows(batch: Batch, from: number, to: number, B: number): Examples {
  const T = batch.T;
  const pad = (a: Int32Array | Float32Array) => {
    const out = new (a.constructor as Int32ArrayConstructor | Float32ArrayConstructor)(B * T);
    out.set(a.subarray(from * T, to * T));
    return out;
  };
  return { tokens: pad(batch.tokens), targets: pad(batch.targets), lossMask: pad(batch.lossMask) };
}

/** The held-out set in batches of B rows (the last one padded with rows that score nothing). */
export function heldOutBatches(held: Batch, B: number): Examples[] {
  const out: Examples[] = [];
  for (let r = 0; r < held.B; r += B) out.push(rows(held, r, Math.min(r + B, held.B), B));
  return out;
}

export interface RunHooks {
  onStep?: (report: StepReport) => void;
  onEval?: (evaluation: Evaluation) => void;
  /** Asked before each step: true stops the run there. */
  stop?: () => boolean;
  /**
   * Awaited between steps (after a step and its evaluation, before the next is asked for), with the
   * trainer holding the weights so far: a worker yields to other messages here; the experiment
   * runner measures the weights an evaluation scored.
   */
  between?: (trainer: Trainer) => Promise<void>;
  trainer?: TrainerOptions;
}

export interface RunResult {
  trainer: Trainer;
  steps: StepReport[];
  evaluations: Evaluation[];
  /** Set when a step's loss was not a number: the run stopped there, the weights are the step before's. */
  diverged?: DivergedError;
}

/** Trains `spec` by `r`; the caller releases `result.trainer` when done with its weights. */
export async function train(ort: OrtLike, spec: Spec, r: Recipe, hooks: RunHooks = {}): Promise<RunResult> {
  const task = findTask(r.task);
  if (!task) throw new Error(`no task "${r.task}" (known: ${TASKS.map((t) => t.kind).join(', ')})`);
  const problem = task.check(r.taskParams, r.T, r.text);
  if (problem) throw new Error(problem);
  const held = heldOutBatches(task.heldOut(r.taskParams, r.T, r.text), r.batch);
  const trainer = await Trainer.create(ort, { ...spec, seed: r.seed }, { T: r.T, batch: r.batch }, { optimizer: recipeOptimizer(r), ...hooks.trainer });
  const result: RunResult = { trainer, steps: [], evaluations: [] };
  const evaluate = async () => {
    const e = { step: trainer.step, ...(await trainer.evaluate(held)) };
    result.evaluations.push(e);
    hooks.onEval?.(e);
  };
  try {
    for (let step = 1; step <= r.steps; step++) {
      if (step > 1 && hooks.between) await hooks.between(trainer);
      if (hooks.stop?.()) break;
      const batch = task.generate(r.taskParams, { batch: r.batch, T: r.T, seed: hash32(r.seed, step), text: r.text });
      const report = await trainer.train(batch, learningRate(step, { lr: r.lr, warmup: r.warmup, steps: r.steps, minRatio: r.minLrRatio }));
      result.steps.push(report);
      hooks.onStep?.(report);
      if (step % r.evalEvery === 0 || step === r.steps) await evaluate();
    }
  } catch (e) {
    if (e instanceof DivergedError) result.diverged = e;
    else {
      await trainer.release();
      throw e;
    }
  }
  return result;
}
