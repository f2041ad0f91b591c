// The numbers behind the results table and chart (src/ui/experiments/results.ts), on a result
// built by hand: each row's seeds, the sweep's lines, and the courses over training (means over
// seeds at each step), checked against sums written out below; and the measures' names.
import { describe, expect, it } from 'vitest';
import type { Experiment, ExperimentResult, ExperimentRun, SummaryRow } from '../../src/spec/experiment';
import { recipe } from '../../src/train/run';
import { formatSpread, formatValue, lossCourses, measureName, meanCourse, progressText, rowPoints, sweepLines, trackedCourses } from '../../src/ui/experiments/results';

const experiment: Experiment = {
  title: 'Width',
  variants: [
    { label: 'attention', model: 'default' },
    { label: 'Post-LN', model: 'post-ln' },
  ],
  // Listed out of order on purpose: the lines run in ascending x.
  sweep: { path: 'dModel', values: [64, 32] },
  recipe: recipe({ task: 'copy', T: 16, steps: 3, evalEvery: 10 }),
  seeds: [3, 1],
  measures: [{ kind: 'accuracy' }, { kind: 'head', stat: 'previousToken', layer: 0 }],
};

function run(variant: number, sweep: number, seed: number, o: Partial<ExperimentRun>): ExperimentRun {
  return { variant, sweep, seed, label: `v${variant} s${sweep}`, status: 'done', steps: 3, losses: [], evaluations: [], track: [], values: [null, null], seconds: 1, ...o };
}

const runs: ExperimentRun[] = [
  // Row (0, 0): seeds 1 and 3 (the experiment lists 3 first), and a stopped run that does not count.
  run(0, 0, 1, { values: [0.5, 0.2], losses: [3, 2, 1], track: [{ step: 10, values: [null, 0.2] }, { step: 20, values: [null, 0.4] }], evaluations: [{ step: 10, loss: 2, accuracy: 0.3 }] }),
  run(0, 0, 3, { values: [0.9, null], losses: [5, 4], status: 'diverged', track: [{ step: 10, values: [null, 0.6] }, { step: 20, values: [null, null] }], evaluations: [{ step: 10, loss: 1, accuracy: 0.5 }] }),
  run(0, 0, 2, { values: [0.1, 0.1], losses: [9, 9, 9], status: 'stopped' }),
  // Row (0, 1).
  run(0, 1, 1, { values: [0.25, 0.5], losses: [1, 1, 1] }),
  // Row (1, 0) has no run yet; row (1, 1) one.
  run(1, 1, 3, { values: [0.75, 0.3], losses: [2, 2, 2] }),
];
const result: ExperimentResult = { experiment, runs, provider: 'wasm', started: '2026-12-02T07:00:00Z' };

// The summary rows as summarize would give them, computed by hand from the runs above.
const rows: SummaryRow[] = [
  { variant: 0, sweep: 0, label: 'attention, dModel = 64', runs: 2, diverged: 1, measures: [{ n: 2, mean: 0.7, min: 0.5, max: 0.9, sd: Math.sqrt(0.08) }, { n: 1, mean: 0.2, min: 0.2, max: 0.2, sd: 0 }] },
  { variant: 0, sweep: 1, label: 'attention, dModel = 32', runs: 1, diverged: 0, measures: [{ n: 1, mean: 0.25, min: 0.25, max: 0.25, sd: 0 }, { n: 1, mean: 0.5, min: 0.5, max: 0.5, sd: 0 }] },
  { variant: 1, sweep: 0, label: 'Post-LN, dModel = 64', runs: 0, diverged: 0, measures: [null, null] },
  { variant: 1, sweep: 1, label: 'Post-LN, dModel = 32', runs: 1, diverged: 0, measures: [{ n: 1, mean: 0.75, min: 0.75, max: 0.75, sd: 0 }, { n: 1, mean: 0.3, min: 0.3, max: 0.3, sd: 0 }] },
];

describe('the chart’s points', () => {
  it('per row: the summary’s mean and range, and each counted seed’s value in the experiment’s seed order', () => {
    const p = rowPoints(result, rows, 0);
    expect(p.map((x) => x.sweepValue)).toEqual([64, 32, 64, 32]);
    expect(p[0]).toMatchObject({ label: 'attention, dModel = 64', mean: 0.7, min: 0.5, max: 0.9, seeds: [0.9, 0.5] });
    expect(p[2]).toMatchObject({ mean: null, min: null, max: null, seeds: [] });
    // Measure 1: seed 3's value is null, so row (0, 0) has one seed dot.
    expect(rowPoints(result, rows, 1)[0]!.seeds).toEqual([0.2]);
  });
  it('with a numeric sweep, one line per variant in ascending swept value', () => {
    const lines = sweepLines(experiment, rowPoints(result, rows, 0))!;
    expect(lines.map((l) => l.label)).toEqual(['attention', 'Post-LN']);
    expect(lines[0]!.points.map((p) => [p.sweepValue, p.mean])).toEqual([
      [32, 0.25],
      [64, 0.7],
    ]);
    expect(lines[1]!.points.map((p) => [p.sweepValue, p.mean])).toEqual([
      [32, 0.75],
      [64, null],
    ]);
    expect(sweepLines({ ...experiment, sweep: { path: 'layers.*.placement', values: ['pre', 'post'] } }, [])).toBeNull();
    const { sweep: _s, ...unswept } = experiment;
    expect(sweepLines(unswept, [])).toBeNull();
  });
});

describe('courses over training', () => {
  it('the mean at each step over the series with a value there', () => {
    const c = meanCourse('r', [
      [{ step: 10, value: 0.2 }, { step: 20, value: 0.4 }],
      [{ step: 10, value: 0.4 }, { step: 20, value: null }],
      [{ step: 10, value: 0.6 }, { step: 30, value: NaN }],
    ]);
    expect(c.steps).toEqual([10, 20]);
    expect(c.means[0]).toBeCloseTo((0.2 + 0.4 + 0.6) / 3, 12);
    expect(c.means[1]).toBeCloseTo(0.4, 12);
  });
  it('a tracked measure from the runs’ track; accuracy falls back on the evaluations', () => {
    const head = trackedCourses(result, rows, 1);
    // Only row (0, 0)'s runs tracked it; rows without a course are left out.
    expect(head.map((c) => c.label)).toEqual(['attention, dModel = 64']);
    expect(head[0]!.steps).toEqual([10, 20]);
    expect(head[0]!.means[0]).toBeCloseTo((0.2 + 0.6) / 2, 12);
    expect(head[0]!.means[1]).toBeCloseTo(0.4, 12);
    const accuracy = trackedCourses(result, rows, 0);
    expect(accuracy).toHaveLength(1);
    expect(accuracy[0]!.steps).toEqual([10]);
    expect(accuracy[0]!.means[0]).toBeCloseTo((0.3 + 0.5) / 2, 12);
  });
  it('the training loss: step i + 1 is losses[i], averaged over the runs that reached it', () => {
    const c = lossCourses(result, rows);
    expect(c.map((x) => x.label)).toEqual(['attention, dModel = 64', 'attention, dModel = 32', 'Post-LN, dModel = 32']);
    expect(c[0]!.steps).toEqual([1, 2, 3]);
    expect(c[0]!.means).toEqual([(3 + 5) / 2, (2 + 4) / 2, 1]);
    expect(c[2]!.means).toEqual([2, 2, 2]);
  });
});

describe('names and figures in words', () => {
  it('names every measure in words', () => {
    expect(measureName({ kind: 'accuracyAt', T: 32 })).toBe('held-out accuracy at T = 32');
    expect(measureName({ kind: 'accuracyAt', T: 64, taskParams: { maxLen: 30 } })).toBe('held-out accuracy at T = 64 (maxLen 30)');
    expect(measureName({ kind: 'stepsTo', accuracy: 0.9 })).toBe('steps to 90% held-out accuracy');
    expect(measureName({ kind: 'head', stat: 'induction', layer: 1 })).toBe('induction score, layer 1, highest head');
    expect(measureName({ kind: 'head', stat: 'entropy', layer: 0 })).toBe('entropy (share of uniform), layer 0, lowest head');
    expect(measureName({ kind: 'head', stat: 'sink', layer: 0, head: 2 })).toBe('first-token (sink) mass, layer 0, head 2');
    expect(measureName({ kind: 'residual', after: 0 })).toBe('residual RMS after the embeddings');
    expect(measureName({ kind: 'residual', after: -1 })).toBe('residual RMS after the last layer');
    expect(measureName({ kind: 'residual', after: 2 })).toBe('residual RMS after layer run 2');
  });
  it('values read as their measure: shares as percentages, steps as counts', () => {
    expect(formatValue(0.973, 'percent')).toBe('97.3%');
    expect(formatValue(1200, 'count')).toBe('1,200');
    expect(formatValue(0.04213, 'decimal')).toBe('0.0421');
    expect(formatValue(null, 'decimal')).toBe('—');
    expect(formatSpread(0.012, 'percent')).toBe('1.2 pt');
  });
  it('the progress line', () => {
    expect(progressText({ runs: 8, run: 2, label: 'Mamba-2', seed: 2, step: 120, steps: 300, fraction: 0.3, finished: [] })).toBe('run 3 of 8: Mamba-2, seed 2 — step 120 of 300');
    expect(progressText({ runs: 8, run: 8, label: '', seed: 0, step: 0, steps: 300, fraction: 1, finished: [] })).toBe('8 runs finished');
  });
});
