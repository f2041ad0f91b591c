/**
 * A training run's history as files: CSV (one row per step: loss, accuracy, gradient norm,
 * learning rate, and the held-out loss and accuracy on the steps that were evaluated) and JSON
 * (the spec, the recipe, every step's report with its per-layer gradient norms, every evaluation).
 * Numbers are written as JavaScript prints them (shortest text that reads back to the same float),
 * so a file's losses compare exactly with another run's.
 */
import type { Spec } from '../spec/types';
import type { Evaluation, Recipe } from './run';
import type { StepReport } from './trainer';

/** What the files are made from (the page's TrainingRun has it). */
export interface RunHistory {
  spec: Spec;
  recipe: Recipe;
  status: string;
  step: number;
  steps: number;
  reports: readonly StepReport[];
  evaluations: readonly Evaluation[];
}

export const HISTORY_COLUMNS = ['step', 'loss', 'accuracy', 'grad_norm', 'lr', 'heldout_loss', 'heldout_accuracy'] as const;

/** The CSV text: a header, then one row per step taken (held-out columns empty where not evaluated). */
export function historyCsv(run: RunHistory): string {
  const evals = new Map(run.evaluations.map((e) => [e.step, e]));
  const rows = run.reports.map((r) => {
    const e = evals.get(r.step);
    return [r.step, r.loss, r.accuracy, r.gradNorm, r.lr, e?.loss ?? '', e?.accuracy ?? ''].map(String).join(',');
  });
  // Evaluations of steps without a report (a history thinned to fit) still get their row.
  const reported = new Set(run.reports.map((r) => r.step));
  for (const e of run.evaluations) if (!reported.has(e.step)) rows.push([e.step, '', '', '', '', e.loss, e.accuracy].map(String).join(','));
  return `${HISTORY_COLUMNS.join(',')}\n${rows.join('\n')}\n`;
}

/** The JSON text of the whole history. */
export function historyJson(run: RunHistory): string {
  const { spec, recipe, status, step, steps, reports, evaluations } = run;
  return `${JSON.stringify({ kind: 'transformer-playground training history', spec, recipe, status, step, steps, reports, evaluations }, null, 1)}\n`;
}
