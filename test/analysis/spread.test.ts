import { describe, expect, it } from 'vitest';
import { median, moreRuns, quantile, ratioInterval, relativeIqr, spreadOf } from '../../src/analysis/spread';

describe('the spread of runs', () => {
  it('takes quartiles by linear interpolation between order statistics (numpy and R type 7)', () => {
    // numpy.percentile([1, 2, 3, 4], [25, 50, 75]) = 1.75, 2.5, 3.25.
    expect(spreadOf([4, 1, 3, 2])).toEqual({ n: 4, median: 2.5, q1: 1.75, q3: 3.25, min: 1, max: 4 });
    // With n = 4k + 1 the quartiles are order statistics k and 3k (0-based): here 3 and 7 of 9.
    const xs = [9, 2, 7, 4, 5, 6, 3, 8, 1].map((v) => v * 1.5);
    expect(spreadOf(xs)).toMatchObject({ q1: 3 * 1.5, median: 5 * 1.5, q3: 7 * 1.5 });
    expect(quantile([5], 0.25)).toBe(5);
    expect(quantile([], 0.5)).toBeNaN();
    expect(spreadOf([NaN])).toBeNull();
  });

  it('takes the median of runs in any order: the middle one, or the mean of the middle two', () => {
    expect(median([7, 1, 3])).toBe(3);
    expect(median([10, 2, 4, 8])).toBe(6);
    expect(median([5])).toBe(5);
    expect(median([])).toBeNaN();
    const xs = [3, 1, 2];
    median(xs);
    expect(xs).toEqual([3, 1, 2]); // left in its order
  });

  it('says how wide the middle half is against the median', () => {
    expect(relativeIqr(spreadOf([1, 2, 3, 4])!)).toBeCloseTo((3.25 - 1.75) / 2.5, 15);
  });

  it('asks for as many runs again while the spread is wide, within the runs and time allowed', () => {
    const limits = { maxRuns: 20, maxTotalMs: 1000 };
    expect(moreRuns([10, 10, 10, 10, 10], limits)).toBe(0);
    expect(moreRuns([10, 10.2, 9.9, 10.1, 10], limits)).toBe(0); // IQR 0.2 of 10: 2%
    expect(moreRuns([10, 14, 9, 16, 10], limits)).toBe(5); // IQR 10 … 14 of 10: 40%
    expect(moreRuns([10, 14, 9, 16, 10], { ...limits, maxRuns: 7 })).toBe(2);
    expect(moreRuns([10, 14, 9, 16, 10], { ...limits, maxTotalMs: 80 })).toBe(2); // 59 ms spent, 21 left at 10 ms a run
    expect(moreRuns([10, 14, 9, 16, 10], { ...limits, maxTotalMs: 50 })).toBe(0);
    expect(moreRuns([10, 14, 9, 16, 10], { ...limits, wide: 0.5 })).toBe(0);
    expect(moreRuns([], limits)).toBe(0);
  });
});

describe('the ratio B / A with its interval', () => {
  it('divides the quartiles crosswise and says "within noise" when the interval holds 1', () => {
    const a = [1, 2, 3, 4, 5]; // q1 2, median 3, q3 4
    const twice = a.map((v) => 2 * v); // q1 4, median 6, q3 8
    expect(ratioInterval(a, twice)).toEqual({ ratio: 2, lo: 4 / 4, hi: 8 / 2, withinNoise: true });
    const thrice = a.map((v) => 3 * v); // q1 6, q3 12
    expect(ratioInterval(a, thrice)).toEqual({ ratio: 3, lo: 6 / 4, hi: 12 / 2, withinNoise: false });
    const faster = [0.5, 0.5, 0.5];
    expect(ratioInterval(a, faster)).toMatchObject({ ratio: 0.5 / 3, lo: 0.5 / 4, hi: 0.5 / 2, withinNoise: false });
  });

  it('calls two samples of the same runs within noise, and has no ratio without runs', () => {
    const runs = [2.1, 2.3, 2.2, 2.6, 2.0];
    const r = ratioInterval(runs, [...runs].reverse())!;
    expect(r.ratio).toBe(1);
    expect(r.withinNoise).toBe(true);
    expect(r.lo).toBeLessThan(1);
    expect(r.hi).toBeGreaterThan(1);
    expect(ratioInterval([], runs)).toBeNull();
    expect(ratioInterval([0, 0, 0], runs)).toBeNull();
  });
});
