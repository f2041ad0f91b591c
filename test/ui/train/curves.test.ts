// The training charts' numbers: thinning keeps every bucket's extremes and ends, log extents are
// whole decades, per-head entropy means, against references written from the definitions.
import { describe, expect, it } from 'vitest';
import type { TrainSnapshot } from '../../../src/state/training';
import { causalUniformMean, gradSeries, headEntropySeries, headMeans, logExtent, thinIndices } from '../../../src/ui/train/curves';
import { rng } from '../../helpers';

describe('thinIndices', () => {
  it('returns a short curve whole, leaving out the points a log axis cannot draw', () => {
    const xs = [1, 2, 3, 4, 5];
    expect(thinIndices(xs, [1, NaN, 3, Infinity, 5], 1, 5, 10)).toEqual([0, 2, 4]);
  });

  it('keeps, in every pixel column, its first, lowest, highest and last point; at most four a column', () => {
    const random = rng(17);
    const n = 5000;
    const xs = Array.from({ length: n }, (_, i) => i + 1);
    // A falling loss with noise and a few spikes, like a real run.
    const ys = xs.map((x) => 3 * Math.exp(-x / 800) + 0.2 * random() + (x % 997 === 0 ? 5 : 0));
    const columns = 300;
    const kept = thinIndices(xs, ys, 1, n, columns);
    expect(kept.length).toBeLessThanOrEqual(4 * columns);
    expect(kept).toEqual([...kept].sort((a, b) => a - b));
    expect(new Set(kept).size).toBe(kept.length);
    // The reference: every point's column from the definition, then each column's extremes by brute force.
    const columnOf = (x: number) => Math.min(columns - 1, Math.floor(((x - 1) / (n - 1)) * columns));
    const byColumn = new Map<number, number[]>();
    xs.forEach((x, i) => byColumn.set(columnOf(x), [...(byColumn.get(columnOf(x)) ?? []), i]));
    const keptSet = new Set(kept);
    for (const members of byColumn.values()) {
      const values = members.map((i) => ys[i]!);
      const lo = Math.min(...values);
      const hi = Math.max(...values);
      expect(keptSet.has(members[0]!)).toBe(true);
      expect(keptSet.has(members.at(-1)!)).toBe(true);
      expect(members.some((i) => keptSet.has(i) && ys[i] === lo)).toBe(true);
      expect(members.some((i) => keptSet.has(i) && ys[i] === hi)).toBe(true);
      expect(members.filter((i) => keptSet.has(i)).length).toBeLessThanOrEqual(4);
    }
    // Every spike survives.
    for (let x = 997; x <= n; x += 997) expect(keptSet.has(x - 1)).toBe(true);
  });
});

describe('logExtent', () => {
  it('spans whole decades around the positive values', () => {
    expect(logExtent([0.03, 2.5, 0, -1, NaN])).toEqual([0.01, 10]);
    expect(logExtent([3, 4])).toEqual([1, 10]);
    expect(logExtent([1])).toEqual([1, 10]);
    expect(logExtent([])).toEqual([0.1, 10]);
  });
});

describe('per-head entropy', () => {
  it('means each head over positions', () => {
    const random = rng(3);
    const H = 3;
    const T = 7;
    const e = Float32Array.from({ length: H * T }, () => 2 * random());
    // Reference: rows sliced out and summed in float64, independently of the index arithmetic.
    const rows = Array.from({ length: H }, (_, h) => Array.from(e.slice(h * T, h * T + T)));
    const reference = rows.map((r) => r.reduce((a, b) => a + b, 0) / T);
    headMeans(e, H, T).forEach((m, h) => expect(m).toBeCloseTo(reference[h]!, 12));
  });

  it('leaves rows without a finite entropy out of the mean', () => {
    expect(headMeans([NaN, 1, 3, NaN, NaN, NaN], 2, 3)).toEqual([2, NaN]);
  });

  it('follows each head of one layer over the snapshots', () => {
    const snap = (step: number, a: number[], b: number[]): TrainSnapshot =>
      ({ step, T: 2, nLayers: 2, nHeads: 2, thumbSide: 2, thumbs: [], entropy: [Float32Array.from(a), Float32Array.from(b)], map: null }) as unknown as TrainSnapshot;
    const series = headEntropySeries([snap(6, [1, 3, 0, 2], [0, 0, 0, 0]), snap(12, [0.5, 0.5, 0, 0], [1, 1, 1, 1])], 0);
    expect(series.steps).toEqual([6, 12]);
    expect(series.heads).toEqual([
      [2, 0.5],
      [1, 0],
    ]);
  });

  it('the uniform causal reference is the mean of log(i + 1)', () => {
    expect(causalUniformMean(3)).toBeCloseTo(Math.log(6) / 3, 14);
    expect(causalUniformMean(1)).toBe(0);
  });
});

describe('gradSeries', () => {
  it('turns the reports into one series per group', () => {
    const reports = [1, 2].map((step) => ({ step, loss: 1, accuracy: 0, gradNorm: 1, lr: 1, layerGradNorms: [step, 10 * step, 0] }));
    expect(gradSeries(reports, 3)).toEqual([
      [1, 2],
      [10, 20],
      [0, 0],
    ]);
  });
});
