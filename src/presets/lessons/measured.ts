/**
 * Figures a training lesson quotes from its experiment's results: one number of one summary row.
 * The same helper as src/train/experiment.ts's `measured`, here because lessons (presets/) may
 * import only spec/ and analysis/ (the import boundaries of docs/architecture.md), not train/.
 */
import type { SummaryRow } from '../../spec/experiment';
import type { ExperimentFigure } from './types';

/** Measure number `measure` (its index in the experiment's measures) of the row labelled `label`: its mean over the seeds, or min or max. */
export function measured(label: string, measure: number, stat: 'mean' | 'min' | 'max' = 'mean', show: ExperimentFigure['show'] = 'decimal'): ExperimentFigure {
  return { from: 'experiment', of: (rows: readonly SummaryRow[]) => rows.find((r) => r.label === label)?.measures[measure]?.[stat] ?? null, show };
}
