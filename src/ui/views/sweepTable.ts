/**
 * The sweeps on the latency panel as rows: each (sweep, backend) series with its points' medians
 * and spread and its exponent with the interval, and the same as CSV for a spreadsheet. Pure, so
 * the chart, the table and the CSV say the same numbers.
 */
import { exponentWithInterval, type ExponentFit } from '../../analysis/scaling';
import { spreadOf, type Spread } from '../../analysis/spread';
import type { SweepSeries } from '../../state/latency';

/** A sweep as the panel holds it: a name and its series. */
export interface NamedSweep {
  /** "current" for the sweep just run, "pin-3" for pinned sweep 3. */
  key: string;
  name: string;
  series: SweepSeries[];
}

/** One measured point with its spread (median = the point drawn). */
export interface SpreadPoint extends Spread {
  T: number;
  samplesMs: number[];
}

/** One backend of one sweep, as drawn. */
export interface SeriesRow {
  sweepKey: string;
  sweep: string;
  provider: string;
  label: string;
  points: SpreadPoint[];
  /** Lengths without a time, with why. */
  skipped: { T: number; note: string }[];
  fit: ExponentFit | null;
}

/** The series of `sweeps`, in order; a point's runs are its samples (its median when it has none). */
export function seriesRows(sweeps: readonly NamedSweep[]): SeriesRow[] {
  return sweeps.flatMap((s) =>
    s.series.map((ser) => {
      const points: SpreadPoint[] = [];
      const skipped: SeriesRow['skipped'] = [];
      for (const p of ser.points) {
        const samplesMs = p.samplesMs ?? (p.ms !== null ? [p.ms] : []);
        const spread = p.ms !== null && p.ms > 0 ? spreadOf(samplesMs) : null;
        if (spread) points.push({ T: p.T, samplesMs, ...spread });
        else skipped.push({ T: p.T, note: p.note ?? 'no result' });
      }
      return { sweepKey: s.key, sweep: s.name, provider: ser.provider, label: ser.label, points, skipped, fit: exponentWithInterval(points) };
    }),
  );
}

/** An exponent with its interval: "1.02 [0.95, 1.10]", or a dash. */
export const exponentText = (fit: ExponentFit | null): string => (fit ? `${fit.exponent.toFixed(2)} [${fit.lo.toFixed(2)}, ${fit.hi.toFixed(2)}]` : '—');

/** A CSV field, quoted when it holds a comma, a quote or a line break. */
const field = (v: string | number): string => {
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

export const CSV_HEADER = ['sweep', 'backend', 'T', 'median_ms', 'q1_ms', 'q3_ms', 'min_ms', 'max_ms', 'runs', 'exponent', 'exponent_lo', 'exponent_hi', 'note'];

/** Every point of every series, one line each (skipped lengths with their note), with the series' exponent on each line. */
export function sweepCsv(rows: readonly SeriesRow[]): string {
  const lines = [CSV_HEADER.join(',')];
  for (const r of rows) {
    const k = r.fit ? [r.fit.exponent, r.fit.lo, r.fit.hi] : ['', '', ''];
    const all = [...r.points.map((p) => ({ T: p.T, p })), ...r.skipped.map((s) => ({ T: s.T, s }))].sort((a, b) => a.T - b.T);
    for (const e of all) {
      const cells = 'p' in e && e.p ? [e.p.median, e.p.q1, e.p.q3, e.p.min, e.p.max, e.p.n, ...k, ''] : ['', '', '', '', '', 0, ...k, 's' in e && e.s ? e.s.note : ''];
      lines.push([r.sweep, r.label, e.T, ...cells].map(field).join(','));
    }
  }
  return `${lines.join('\n')}\n`;
}
