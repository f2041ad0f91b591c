/**
 * Figures a lesson step quotes from its experiment's results (types.ts ExperimentFigure): a number
 * of a summary row (`measured`), or one read from the runs' courses over training (their `track`).
 * They live here, not in train/, because presets/ may not import train/ (the folder table in
 * docs/architecture.md); src/train/experiment.ts re-exports `measured`.
 */
import type { ExperimentRun, SummaryRow } from '../../spec/experiment';
import type { ExperimentFigure } from './types';

/** Measure number `measure` (its index in the experiment's measures) of the row `label`, as its mean (or min, max) over the seeds. */
export function measured(label: string, measure: number, stat: 'mean' | 'min' | 'max' = 'mean', show: ExperimentFigure['show'] = 'decimal'): ExperimentFigure {
  return { from: 'experiment', of: (rows: readonly SummaryRow[]) => rows.find((r) => r.label === label)?.measures[measure]?.[stat] ?? null, show };
}

/** The finished runs ('done' or 'diverged') of the row `label`, as summaries count them. */
function runsOf(runs: readonly ExperimentRun[], label: string): ExperimentRun[] {
  return runs.filter((r) => r.label === label && (r.status === 'done' || r.status === 'diverged'));
}

/**
 * The first evaluation step at which tracked measure `measure` reached `threshold`, in one run;
 * null when it never did.
 */
export function firstStepAbove(run: Pick<ExperimentRun, 'track'>, measure: number, threshold: number): number | null {
  return run.track.find((t) => (t.values[measure] ?? -Infinity) >= threshold)?.step ?? null;
}

/**
 * Tracked measure `read` at the last evaluation before tracked measure `measure` first reached
 * `threshold` (the state of the model just before something formed), in one run; null when it
 * never reached it or reached it at the first evaluation.
 */
export function valueBefore(run: Pick<ExperimentRun, 'track'>, measure: number, threshold: number, read: number): number | null {
  const i = run.track.findIndex((t) => (t.values[measure] ?? -Infinity) >= threshold);
  return i > 0 ? (run.track[i - 1]!.values[read] ?? null) : null;
}

/** The mean over the row's runs of `perRun` (runs where it is null left out); null when no run gives one. */
export function meanOverRuns(label: string, perRun: (run: ExperimentRun) => number | null, show: ExperimentFigure['show']): ExperimentFigure {
  return {
    from: 'experiment',
    of: (_rows, result) => {
      const xs = runsOf(result.runs, label).map(perRun).filter((v): v is number => v !== null && Number.isFinite(v));
      return xs.length ? xs.reduce((s, v) => s + v, 0) / xs.length : null;
    },
    show,
  };
}
