/**
 * The numbers behind the results table and chart, apart from drawing: each measure's name in words
 * and how its values read, the progress line, and the chart's data from a result and its summary
 * rows (src/train/experiment.ts summarize): per row the mean and spread plus every seed's value,
 * the sweep as x with one line per variant, and the courses over training (a tracked measure and
 * the training loss, the mean over seeds at each step). Pure functions, unit-tested in
 * test/ui/experimentsResults.test.ts against sums written out by hand.
 */
import type { Experiment, ExperimentProgress, ExperimentResult, ExperimentRun, Measure, SummaryRow } from '../../spec/experiment';
import { HEAD_STAT_WORDS } from './definition';

/** A measure's name as the table and the chart call it ("held-out accuracy at T = 32"). */
export function measureName(m: Measure): string {
  switch (m.kind) {
    case 'accuracy':
      return 'held-out accuracy';
    case 'loss':
      return 'held-out loss';
    case 'trainLoss':
      return 'training loss (last tenth)';
    case 'lossSpike':
      return 'largest loss spike';
    case 'diverged':
      return 'diverged';
    case 'stepsTo':
      return `steps to ${formatPercent(m.accuracy)} held-out accuracy`;
    case 'accuracyAt':
      return `held-out accuracy at T = ${m.T}${m.taskParams ? ` (${Object.entries(m.taskParams).map(([k, v]) => `${k} ${JSON.stringify(v)}`).join(', ')})` : ''}`;
    case 'head':
      return `${HEAD_STAT_WORDS[m.stat]}, layer ${m.layer}${m.head === undefined ? (m.stat === 'entropy' ? ', lowest head' : ', highest head') : `, head ${m.head}`}`;
    case 'residual':
      return `residual RMS ${m.after === 0 ? 'after the embeddings' : m.after === -1 ? 'after the last layer' : `after layer run ${m.after}`}`;
  }
}

/** How a measure's values read: a share as a percentage, a count of steps, or a plain number. */
export type Show = 'percent' | 'count' | 'decimal';
export function showOf(m: Measure): Show {
  if (m.kind === 'accuracy' || m.kind === 'accuracyAt') return 'percent';
  if (m.kind === 'stepsTo') return 'count';
  return 'decimal';
}

const formatPercent = (f: number): string => `${Number((f * 100).toFixed(1))}%`;

/** One value as its measure reads it ("97.3%", "1,200", "0.0421"); a dash for none. */
export function formatValue(v: number | null | undefined, show: Show): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  if (show === 'percent') return formatPercent(v);
  if (show === 'count') return Math.round(v).toLocaleString('en-US');
  return Number(v.toPrecision(3)).toString();
}

/** A spread (a standard deviation) as its measure reads it: percentage points for shares. */
export function formatSpread(v: number, show: Show): string {
  if (show === 'percent') return `${Number((v * 100).toFixed(1))} pt`;
  if (show === 'count') return Math.round(v).toLocaleString('en-US');
  return Number(v.toPrecision(2)).toString();
}

/** The progress bar's line: "run 3 of 8: Mamba-2, seed 2 — step 120 of 300" (or "8 runs finished"). */
export function progressText(p: ExperimentProgress): string {
  if (p.run >= p.runs) return `${p.runs} run${p.runs === 1 ? '' : 's'} finished`;
  return `run ${p.run + 1} of ${p.runs}: ${p.label}, seed ${p.seed} — step ${p.step} of ${p.steps}`;
}

/** Whether a run's values count in the summary (as summarize: finished, or diverged). */
export const counted = (r: ExperimentRun): boolean => r.status === 'done' || r.status === 'diverged';

/** The runs of a summary row (same variant and sweep value) that count, in seed order of the experiment. */
export function runsOf(result: ExperimentResult, row: Pick<SummaryRow, 'variant' | 'sweep'>): ExperimentRun[] {
  const order = result.experiment.seeds;
  return result.runs.filter((r) => r.variant === row.variant && r.sweep === row.sweep && counted(r)).sort((a, b) => order.indexOf(a.seed) - order.indexOf(b.seed));
}

/** One row's dot and whisker in the chart. */
export interface RowPoint {
  label: string;
  variant: number;
  /** The swept value (null without a sweep). */
  sweepValue: number | string | boolean | null;
  mean: number | null;
  min: number | null;
  max: number | null;
  /** Each counted run's value of the measure (finite ones). */
  seeds: number[];
}

/** Per summary row, measure `k`'s mean, min, max and each seed's value. */
export function rowPoints(result: ExperimentResult, rows: readonly SummaryRow[], k: number): RowPoint[] {
  const sweep = result.experiment.sweep;
  return rows.map((row) => {
    const s = row.measures[k] ?? null;
    const seeds = runsOf(result, row).flatMap((r) => {
      const v = r.values[k];
      return v !== null && v !== undefined && Number.isFinite(v) ? [v] : [];
    });
    return {
      label: row.label,
      variant: row.variant,
      sweepValue: sweep && row.sweep !== null ? (sweep.values[row.sweep] ?? null) : null,
      mean: s ? s.mean : null,
      min: s ? s.min : null,
      max: s ? s.max : null,
      seeds,
    };
  });
}

/** With a numeric sweep: one line per variant through its rows, x the swept value (ascending). Null when there is no sweep or a value is not a number. */
export function sweepLines(e: Experiment, points: readonly RowPoint[]): { variant: number; label: string; points: RowPoint[] }[] | null {
  if (!e.sweep || !e.sweep.values.every((v) => typeof v === 'number')) return null;
  return e.variants.map((v, i) => ({
    variant: i,
    label: v.label,
    points: points.filter((p) => p.variant === i && typeof p.sweepValue === 'number').sort((a, b) => (a.sweepValue as number) - (b.sweepValue as number)),
  }));
}

/** A course over training: steps and, at each, the mean over the seeds that have a value there. */
export interface Course {
  label: string;
  steps: number[];
  means: number[];
}

/** The mean at each step over the runs' (step, value) lists: steps ascending; a step where no run has a finite value is left out. */
export function meanCourse(label: string, series: readonly { step: number; value: number | null }[][]): Course {
  const sums = new Map<number, { sum: number; n: number }>();
  for (const s of series)
    for (const { step, value } of s) {
      if (value === null || !Number.isFinite(value)) continue;
      const e = sums.get(step) ?? { sum: 0, n: 0 };
      e.sum += value;
      e.n += 1;
      sums.set(step, e);
    }
  const steps = [...sums.keys()].sort((a, b) => a - b);
  return { label, steps, means: steps.map((s) => sums.get(s)!.sum / sums.get(s)!.n) };
}

/**
 * Measure `k` over training, per row: from the runs' `track` (the tracked measures at each
 * held-out evaluation); accuracy and loss fall back on the runs' `evaluations`. Rows without a
 * value anywhere are left out; an empty list when the measure is not tracked.
 */
export function trackedCourses(result: ExperimentResult, rows: readonly SummaryRow[], k: number): Course[] {
  const m = result.experiment.measures[k];
  if (!m) return [];
  return rows
    .map((row) =>
      meanCourse(
        row.label,
        runsOf(result, row).map((r) => {
          const tracked = r.track.map((t) => ({ step: t.step, value: t.values[k] ?? null }));
          if (tracked.some((t) => t.value !== null)) return tracked;
          if (m.kind === 'accuracy') return r.evaluations.map((e) => ({ step: e.step, value: e.accuracy }));
          if (m.kind === 'loss') return r.evaluations.map((e) => ({ step: e.step, value: e.loss }));
          return [];
        }),
      ),
    )
    .filter((c) => c.steps.length > 0);
}

/** The training loss per row: at each step (1-based: losses[i] is step i + 1), the mean over the row's runs that reached it with a finite loss. */
export function lossCourses(result: ExperimentResult, rows: readonly SummaryRow[]): Course[] {
  return rows
    .map((row) => meanCourse(row.label, runsOf(result, row).map((r) => r.losses.map((value, i) => ({ step: i + 1, value })))))
    .filter((c) => c.steps.length > 0);
}

/** Whether measure `m` has a course over training (tracked measures, or accuracy and loss from the evaluations). */
export const isTracked = (m: Measure): boolean => m.kind === 'accuracy' || m.kind === 'loss' || m.kind === 'head' || m.kind === 'residual';
