/**
 * The recipe's fields (TaskPicker, RecipeFields), the training memory estimate against the budget,
 * the Train, Pause, Resume, Stop and Reset buttons, and the progress of each run. In compare mode
 * the buttons train model A and model B together, on the same batches, and both progresses show.
 *
 * Train is refused here, before anything is compiled, when the recipe is wrong for the task or the
 * model, or when the estimate of one step's memory is over the budget (said with the numbers and
 * what to reduce); the worker checks the same again.
 */
import { useEffect, useMemo, useState } from 'react';
import { isActive } from '../../state/training';
import type { Spec } from '../../spec/types';
import { DEFAULT_OPTIMIZER } from '../../train/optimizer';
import type { Recipe } from '../../train/run';
import { findTask } from '../../train/tasks/registry';
import { useApp } from '../useApp';
import { RunProgress } from './Progress';
import { RecipeFields } from './RecipeFields';
import { budgetLine, budgetOf, budgetRefusal, effectiveRecipe, recipeProblem, type BudgetEntry } from './recipeChecks';
import { TaskPicker } from './TaskPicker';

/** Quiet time after a change of the model or the recipe before the memory is estimated again (ms). */
const ESTIMATE_DEBOUNCE_MS = 250;

export function TrainControls() {
  const runs = useApp((s) => s.training.runs);
  const recipe = useApp((s) => s.training.recipe);
  const notice = useApp((s) => s.training.notice);
  const actions = useApp((s) => s.trainingActions);
  const spec = useApp((s) => s.spec);
  const specB = useApp((s) => s.compare?.specB ?? null);
  const pageText = useApp((s) => s.text);
  // Why the last Train was refused, for the recipe and models it was pressed with (a change answers it).
  const [refused, setRefused] = useState<{ text: string; recipe: unknown; spec: Spec; specB: Spec | null } | null>(null);
  const refusal = refused && refused.recipe === recipe && refused.spec === spec && refused.specB === specB ? refused.text : null;

  const models = useMemo(() => [{ label: specB ? 'model A' : 'the model', spec }, ...(specB ? [{ label: 'model B', spec: specB }] : [])], [spec, specB]);
  const estimate = useEstimate(models, recipe.T, recipe.batch);
  const effective = effectiveRecipe(recipe, pageText);
  const problem = recipeProblem(effective, models);

  const slots = (['a', 'b'] as const).filter((slot) => runs[slot]);
  const list = slots.map((slot) => runs[slot]!);
  const active = list.some(isActive);
  const running = list.some((r) => r.status === 'running');
  const paused = list.some((r) => r.status === 'paused');

  const start = () => {
    // The estimate on screen may be a moment old: check the models and recipe as they are now.
    const entries = estimate.current(models, recipe.T, recipe.batch) ? estimate.entries : budgetOf(models, recipe);
    const why = problem ?? budgetRefusal(entries);
    if (why) return setRefused({ text: `Not trained: ${why}`, recipe, spec, specB });
    setRefused(null);
    if (effective.text !== recipe.text) actions.setRecipe({ text: effective.text });
    actions.start();
  };

  const both = !!specB;
  return (
    <div className="train-controls">
      {/* Folded by default, so the views stay close under the text; the summary says the recipe in one line. */}
      <details className="train-setup-details" data-testid="train-recipe">
        <summary data-testid="train-recipe-toggle">
          <strong>Task and recipe:</strong> {summary(recipe)}
        </summary>
        <div className="train-setup">
          <TaskPicker recipe={recipe} disabled={active} />
          <RecipeFields recipe={recipe} disabled={active} />
        </div>
      </details>
      <Budget entries={estimate.entries} pending={!estimate.current(models, recipe.T, recipe.batch)} />
      {problem ? (
        <p className="field-error" role="alert" data-testid="train-problem">
          {problem}
        </p>
      ) : null}
      <div className="train-buttons" role="group" aria-label="Training">
        <button type="button" data-testid="train-start" onClick={start} disabled={active} aria-describedby={refusal ? 'train-refusal' : undefined}>
          {both ? 'Train A and B' : 'Train'}
        </button>
        <button type="button" data-testid="train-pause" onClick={() => actions.pause()} disabled={!running}>
          Pause
        </button>
        <button type="button" data-testid="train-resume" onClick={() => actions.resume()} disabled={!paused}>
          Resume
        </button>
        <button type="button" data-testid="train-stop" onClick={() => actions.stop()} disabled={!active}>
          Stop
        </button>
        <button type="button" data-testid="train-reset" onClick={() => actions.reset()} disabled={!list.length} title="Forget the training: the views show the initial weights again">
          Reset
        </button>
      </div>
      {refusal ? (
        <div className="budget-refused" role="alert" id="train-refusal" data-testid="train-refused">
          {refusal}
        </div>
      ) : null}
      <div className="train-runs" aria-live="polite">
        {runs.a ? <RunProgress run={runs.a} slot="a" label={both || runs.b ? 'Model A' : 'The model'} /> : <NotTrained />}
        {runs.b ? <RunProgress run={runs.b} slot="b" label="Model B" /> : null}
      </div>
      <p className="train-notice" role="status" data-testid="train-notice" data-tone={notice?.tone ?? ''}>
        {notice?.text ?? ''}
      </p>
    </div>
  );
}

/** The recipe in one line: "Copy (maxLen 4) · batch 16 · T = 8 · 300 steps · learning rate 0.003 …". */
function summary(r: Recipe): string {
  const task = findTask(r.task);
  const params = Object.entries(r.taskParams).map(([k, v]) => `${k} ${String(v)}`);
  const name = `${task?.title ?? r.task}${params.length ? ` (${params.join(', ')})` : ''}`;
  const wd = r.weightDecay ?? DEFAULT_OPTIMIZER.weightDecay;
  return `${name} · batch ${r.batch} · T = ${r.T} · ${r.steps.toLocaleString('en-US')} steps · learning rate ${r.lr} (warm-up ${r.warmup}, cosine to ${r.minLrRatio} of it) · weight decay ${wd} · seed ${r.seed}`;
}

/** The status before any training (the same test id as a run's, for the page's tests). */
function NotTrained() {
  return (
    <p className="hint">
      <span data-testid="train-status" data-status="none" data-step={0}>
        Not trained yet
      </span>
      : the views show the initial weights. Choose a task and press Train.
    </p>
  );
}

/** The estimate of each model's training memory, against the budget. */
function Budget({ entries, pending }: { entries: BudgetEntry[]; pending: boolean }) {
  const refusal = budgetRefusal(entries);
  const worst = Math.max(0, ...entries.map((e) => ('stats' in e ? e.stats.peakBytes / e.stats.budgetBytes : 1)));
  return (
    <div className={`train-budget${refusal ? ' over' : ''}`} data-testid="train-budget" data-state={pending ? 'pending' : refusal ? 'over' : 'fits'}>
      <span className="train-budget-text">
        Training memory (est.):{' '}
        {entries.length
          ? entries.map((e, i) => (
              <span key={e.label}>
                {i ? '; ' : ''}
                {entries.length > 1 ? `${e.label} ` : ''}
                {'stats' in e ? budgetLine(e.stats) : 'could not be estimated'}
              </span>
            ))
          : '…'}
      </span>
      <div className="budget-bar" role="meter" aria-label="Estimated training memory against the budget" aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(Math.min(1, worst) * 100)}>
        <span style={{ width: `${Math.min(1, worst) * 100}%` }} />
      </div>
      {refusal ? (
        <div className="budget-refused" data-testid="train-budget-refused">
          <strong>Over the training memory budget: Train is refused.</strong> {refusal}
        </div>
      ) : null}
    </div>
  );
}

/** The memory estimate, recomputed once the model and the batch shape stop changing for a moment. */
function useEstimate(models: readonly { label: string; spec: Spec }[], T: number, batch: number) {
  const [state, setState] = useState<{ models: readonly { label: string; spec: Spec }[]; T: number; batch: number; entries: BudgetEntry[] } | null>(null);
  useEffect(() => {
    const timer = setTimeout(() => setState({ models, T, batch, entries: budgetOf(models, { T, batch }) }), state ? ESTIMATE_DEBOUNCE_MS : 0);
    return () => clearTimeout(timer);
    // eslint-disable-next-line react-hooks/exhaustive-deps -- `state` only picks the first delay
  }, [models, T, batch]);
  return {
    entries: state?.entries ?? [],
    current: (m: readonly { label: string; spec: Spec }[], t: number, b: number) => !!state && state.models === m && state.T === t && state.batch === b,
  };
}
