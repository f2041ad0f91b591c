/**
 * Figures that lesson texts quote, computed from an analysis's summaries. The page fills a step's
 * text with them from the result on screen, and the tests check the step's claims with the same
 * functions on the same model, so no number is typed into a text or copied into a test.
 */
import { headEntropyGrid } from './entropy';

/** The summaries of an analysis a figure reads (a structural slice of the worker's AnalysisResult). */
export interface Summaries {
  T: number;
  nHeads: number;
  nLayers: number;
  /** Per layer run: entropy of each query's row in nats [H, T]. */
  entropy: readonly Float32Array[];
  /** Per layer run: keys with a nonzero weight in each row [H, T]. */
  support: readonly ArrayLike<number>[];
  /** RMS of the residual stream after the embeddings and after each layer run [runs + 1, T]. */
  residRms: Float32Array;
}

/** Each head's mean entropy as a fraction of uniform, over every layer run (heads with no spread to measure left out). */
function headFractions(r: Summaries): number[] {
  return headEntropyGrid(r.entropy, r.support, r.nHeads, r.T)
    .flat()
    .map((h) => h.meanFraction)
    .filter((f) => !Number.isNaN(f));
}

/** Mean entropy over every layer run and head, as a fraction of uniform (what the entropy view's head means average to). */
export function meanEntropyFraction(r: Summaries): number {
  const f = headFractions(r);
  return f.reduce((a, b) => a + b, 0) / f.length;
}

/** How many heads (over every layer run) have a mean entropy below `fraction` of uniform. */
export const headsBelow = (r: Summaries, fraction: number): number => headFractions(r).filter((f) => f < fraction).length;

/** Heads over every layer run. */
export const headCount = (r: Summaries): number => r.nLayers * r.nHeads;

/** Mean RMS of the residual stream over the tokens after layer run `after` (0: after the embeddings; −1: after the last run). */
export function residualRms(r: Summaries, after: number): number {
  const at = after < 0 ? r.nLayers + 1 + after : after;
  const row = r.residRms.subarray(at * r.T, (at + 1) * r.T);
  return row.reduce((a, b) => a + b, 0) / r.T;
}

/** A figure a text quotes: how it is computed and how it is written. */
export interface Figure {
  of(r: Summaries): number;
  show: 'percent' | 'decimal' | 'count';
}

/** A figure as the text shows it. */
export function formatFigure(f: Figure, r: Summaries): string {
  const v = f.of(r);
  if (!Number.isFinite(v)) return '—';
  if (f.show === 'percent') return `${Math.round(v * 100)}%`;
  if (f.show === 'decimal') return v.toFixed(1);
  return String(Math.round(v));
}

/**
 * `{name}` in `text` replaced by figure `name` of `r`; with no result yet, by an ellipsis. Figures
 * of another source (`from: 'experiment'`, read from an experiment's results) are left for their
 * own filler.
 */
export function fillFigures(text: string, figures: Readonly<Record<string, Figure | { from: 'experiment' }>> | undefined, r: Summaries | null): string {
  if (!figures) return text;
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const f = figures[name];
    if (!f || 'from' in f) return whole;
    return r ? formatFigure(f, r) : '…';
  });
}
