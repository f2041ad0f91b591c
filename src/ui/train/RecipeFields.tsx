/**
 * The recipe's numbers: batch size, sequence length T, steps, the learning-rate schedule (peak,
 * warm-up, cosine decay to a share of the peak), weight decay and seed. A value out of range stays
 * in its field, marked, with the reason under it; the recipe keeps its last good value.
 */
import { DEFAULT_OPTIMIZER } from '../../train/optimizer';
import type { Recipe } from '../../train/run';
import { findTask } from '../../train/tasks/registry';
import { NumberField } from '../editor/fields';
import { useApp } from '../useApp';
import { FIELD_LIMITS } from './recipeChecks';

type Check = { ok: true } | { ok: false; reason: string };

/** A number in [min, max] (whole when `whole`), or why not. */
function within(label: string, v: unknown, min: number, max: number, whole: boolean): Check {
  const n = Number(v);
  if (whole && !Number.isInteger(n)) return { ok: false, reason: `${label} must be a whole number from ${min} to ${max}` };
  if (!(n >= min && n <= max)) return { ok: false, reason: `${label} must be from ${min} to ${max}, got ${String(v)}` };
  return { ok: true };
}

export function RecipeFields({ recipe, disabled }: { recipe: Recipe; disabled: boolean }) {
  const actions = useApp((s) => s.trainingActions);
  const maxLen = useApp((s) => Math.min(s.spec.maxLen, s.compare?.specB.maxLen ?? Infinity));
  const task = findTask(recipe.task);
  let minT = 1;
  try {
    minT = task ? task.minT(recipe.taskParams, recipe.text) : 1;
  } catch {
    // bad parameters: the task's message is shown under the recipe
  }

  /** Commits `key` when `v` is within its range. */
  const field =
    (key: keyof Recipe, label: string, min: number, max: number, whole: boolean, extra?: (n: number) => Partial<Recipe>) =>
    (v: unknown): Check => {
      const c = within(label, v, min, max, whole);
      if (c.ok) actions.setRecipe({ [key]: Number(v), ...extra?.(Number(v)) });
      return c;
    };

  const { batch, steps, lr, minLrRatio, weightDecay, seed } = FIELD_LIMITS;
  return (
    <fieldset className="train-recipe" disabled={disabled}>
      <legend>Recipe</legend>
      <div className="train-fields">
        <NumberField label="Batch size" value={recipe.batch} min={batch.min} max={batch.max} testId="train-batch" hint="examples per step" commit={field('batch', 'Batch size', batch.min, batch.max, true)} />
        <NumberField
          label="Sequence length T"
          value={recipe.T}
          min={minT}
          max={maxLen}
          testId="train-T"
          hint={`${minT} (what the task needs) to ${maxLen} (the model's maxLen)`}
          commit={(v) => {
            if (Number(v) > maxLen) return { ok: false, reason: `T must be at most the model's maxLen (${maxLen}), got ${String(v)}` };
            if (Number(v) < minT) return { ok: false, reason: `T must be at least ${minT} for these task parameters, got ${String(v)}` };
            return field('T', 'T', 1, maxLen, true)(v);
          }}
        />
        <NumberField
          label="Steps"
          value={recipe.steps}
          min={steps.min}
          max={steps.max}
          testId="train-steps"
          commit={field('steps', 'Steps', steps.min, steps.max, true, (n) => (recipe.warmup > n ? { warmup: n } : {}))}
        />
        <NumberField label="Learning rate" value={recipe.lr} min={lr.min} max={lr.max} step="any" testId="train-lr" hint="the peak, after warm-up" commit={field('lr', 'Learning rate', lr.min, lr.max, false)} />
        <NumberField label="Warm-up steps" value={recipe.warmup} min={0} max={recipe.steps} testId="train-warmup" hint="linear rise to the peak" commit={field('warmup', 'Warm-up steps', 0, recipe.steps, true)} />
        <NumberField
          label="Final learning rate (share of peak)"
          value={recipe.minLrRatio}
          min={minLrRatio.min}
          max={minLrRatio.max}
          step={0.01}
          testId="train-min-lr"
          hint="cosine decay from the peak to this share at the last step"
          commit={field('minLrRatio', 'The final share', minLrRatio.min, minLrRatio.max, false)}
        />
        <NumberField
          label="Weight decay"
          value={recipe.weightDecay ?? DEFAULT_OPTIMIZER.weightDecay}
          min={weightDecay.min}
          max={weightDecay.max}
          step={0.001}
          testId="train-wd"
          hint="AdamW's, on the matrices"
          commit={field('weightDecay', 'Weight decay', weightDecay.min, weightDecay.max, false)}
        />
        <NumberField label="Seed" value={recipe.seed} min={seed.min} max={seed.max} testId="train-seed" hint="initial weights and batch order" commit={field('seed', 'Seed', seed.min, seed.max, true)} />
      </div>
    </fieldset>
  );
}
