/**
 * What the Train panel checks before it asks the worker for anything: the fields' ranges, the
 * task's parameters and length (the task's own check), the text a task may train on, and the
 * training memory estimate against the budget (src/train/budget.ts), so that a recipe too big is
 * refused before compiling, with the numbers and what to reduce. Also the progress figures in words.
 * No React here: the panel's components call these.
 */
import type { Spec } from '../../spec/types';
import { formatBytes } from '../../spec/units';
import { trainingStats, TrainingBudgetError, type TrainingStats } from '../../train/budget';
import type { Recipe } from '../../train/run';
import type { Task } from '../../train/tasks/define';
import { findTask } from '../../train/tasks/registry';

/** The panel's ranges for the recipe's numbers (the worker takes more; these are what makes sense in a browser tab). */
export const FIELD_LIMITS = {
  batch: { min: 1, max: 1024 },
  steps: { min: 1, max: 100_000 },
  lr: { min: 1e-6, max: 1 },
  minLrRatio: { min: 0, max: 1 },
  weightDecay: { min: 0, max: 0.99 },
  seed: { min: 0, max: 2 ** 31 - 1 },
} as const;

/** Whether the task's parameters need a text passed with them (character-level LM with corpus "custom"). */
export function wantsText(task: Task, params: Record<string, unknown>): boolean {
  return task.takesText && !task.parse(params).ok;
}

/** The text the recipe trains on: its own, else the page's, when the parameters want one; else none. */
export function trainText(task: Task, r: Recipe, pageText: string): string | undefined {
  return wantsText(task, r.taskParams) ? (r.text ?? pageText) : undefined;
}

/** The recipe as Train sends it: with the text filled in or taken out. */
export function effectiveRecipe(r: Recipe, pageText: string): Recipe {
  const task = findTask(r.task);
  const text = task ? trainText(task, r, pageText) : undefined;
  const { text: _text, ...rest } = r;
  return text === undefined ? rest : { ...rest, text };
}

/** What is wrong with the recipe for these models (the task, its length, the models' maxLen), or null. */
export function recipeProblem(r: Recipe, models: readonly { label: string; spec: Spec }[]): string | null {
  const task = findTask(r.task);
  if (!task) return `There is no task "${r.task}".`;
  for (const { label, spec } of models)
    if (r.T > spec.maxLen) return `Sequence length ${r.T} is longer than ${label}'s maxLen (${spec.maxLen}): shorten it, or raise maxLen in the model's settings.`;
  const problem = task.check(r.taskParams, r.T, r.text);
  return problem ? `${problem}.`.replace(/\.\.$/, '.') : null;
}

/** One model's training memory at the recipe's batch and T, or why it could not be estimated. */
export type BudgetEntry = { label: string; stats: TrainingStats } | { label: string; error: string };

/** The estimate for each model (A, and B in compare mode). */
export function budgetOf(models: readonly { label: string; spec: Spec }[], shape: { T: number; batch: number }): BudgetEntry[] {
  return models.map(({ label, spec }) => {
    try {
      return { label, stats: trainingStats(spec, shape) };
    } catch (e) {
      return { label, error: e instanceof Error ? e.message : String(e) };
    }
  });
}

/** Why Train is refused by the estimate (over the budget, with the numbers and what to reduce), or null. */
export function budgetRefusal(entries: readonly BudgetEntry[]): string | null {
  const lines: string[] = [];
  for (const e of entries) {
    const who = entries.length > 1 ? `${e.label}: ` : '';
    if ('error' in e) lines.push(`${who}the training memory could not be estimated: ${e.error}`);
    else if (!e.stats.fits) lines.push(`${who}${new TrainingBudgetError(e.stats).message}`);
  }
  return lines.length ? lines.join(' ') : null;
}

/** "1.2 MB of 1.5 GB" for one model's estimate. */
export const budgetLine = (s: TrainingStats): string => `${formatBytes(s.peakBytes)} of the ${formatBytes(s.budgetBytes)} budget`;

/** Seconds until a run of `steps` at `stepsPerSecond` reaches its end from `step`, or null when unknown. */
export function secondsLeft(step: number, steps: number, stepsPerSecond: number | null): number | null {
  if (!stepsPerSecond || !(stepsPerSecond > 0)) return null;
  return Math.max(0, steps - step) / stepsPerSecond;
}

/** A duration in words: "about 40 s", "about 3 min", "about 1 h 5 min". */
export function formatDuration(seconds: number): string {
  if (seconds < 60) return `about ${Math.max(1, Math.round(seconds))} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `about ${minutes} min`;
  return `about ${Math.floor(minutes / 60)} h${minutes % 60 ? ` ${minutes % 60} min` : ''}`;
}
