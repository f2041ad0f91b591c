// The head grid's reading of the head statistics (src/ui/views/headStatsInfo.ts): the role badge's
// thresholds on constructed statistics and on maps built to do one thing, how values are written,
// and the training chart's series and uniform reference (src/ui/train/headStatsSeries.ts) against
// values worked out here from the definitions.
import { describe, expect, it } from 'vitest';
import { headStats } from '../../src/analysis/headStats';
import type { TrainSnapshot } from '../../src/state/training';
import { headStatSeries, uniformCausal } from '../../src/ui/train/headStatsSeries';
import { formatStat, headRole, ROLE_MARGIN, ROLE_MIN, statValues } from '../../src/ui/views/headStatsInfo';

const stats = (previousToken: number | null, induction: number | null, sink: number | null) => ({ previousToken, induction, sink });

/** [1, T, T]: row t is `row(t)` (weights over keys 0..t). */
const mapOf = (T: number, row: (t: number) => number[]) => {
  const m = new Float64Array(T * T);
  for (let t = 0; t < T; t++) row(t).forEach((v, j) => (m[t * T + j] = v));
  return m;
};
const oneHot = (t: number, at: number) => Array.from({ length: t + 1 }, (_, j) => (j === at ? 1 : 0));
const uniform = (t: number) => Array.from({ length: t + 1 }, () => 1 / (t + 1));

describe('role badge', () => {
  it('names the statistic that is at least ROLE_MIN and ROLE_MARGIN times each other one', () => {
    expect([ROLE_MIN, ROLE_MARGIN]).toEqual([0.5, 2]); // the thresholds docs/using.md states
    expect(headRole(stats(0.5, 0.25, 0.25))).toBe('previous-token');
    expect(headRole(stats(0.8, null, 0.1))).toBe('previous-token'); // no induction score: counts as 0
    expect(headRole(stats(0.1, 0.6, 0.3))).toBe('induction');
    expect(headRole(stats(0.05, 0.2, 0.95))).toBe('sink');
  });

  it('names nothing below ROLE_MIN, within the margin, or without statistics', () => {
    expect(headRole(stats(0.49, 0, 0))).toBeNull(); // not half of the weight
    expect(headRole(stats(0.6, 0.31, 0.1))).toBeNull(); // induction is more than half of it
    expect(headRole(stats(0.55, 0.1, 0.5))).toBeNull(); // two patterns at once
    expect(headRole(stats(null, null, null))).toBeNull();
    expect(headRole(undefined)).toBeNull();
  });

  it('names heads built to do one thing, and no role for uniform attention', () => {
    const T = 12;
    // "abcdef" twice: the second half's tokens occurred six positions before.
    const tokens = Array.from({ length: T }, (_, i) => i % 6);
    const role = (row: (t: number) => number[]) => headRole(headStats(mapOf(T, row), tokens, 1)[0]);
    expect(role((t) => oneHot(t, Math.max(0, t - 1)))).toBe('previous-token');
    // Induction: a query of the second half looks at the token after its first occurrence (t − 5); the first half looks at itself.
    expect(role((t) => oneHot(t, t >= 6 ? t - 5 : t))).toBe('induction');
    expect(role((t) => oneHot(t, 0))).toBe('sink');
    expect(role(uniform)).toBeNull();
  });
});

describe('head statistics as written in the grid', () => {
  it('writes shares with two decimals, distance with one, entropy in percent, and a dash for none', () => {
    expect(formatStat('previousToken', 0.8249)).toBe('0.82');
    expect(formatStat('induction', 0.045)).toBe('0.04'); // toFixed on 0.045 (binary 0.04499…)
    expect(formatStat('distance', 2.34)).toBe('2.3');
    expect(formatStat('entropy', 0.414)).toBe('41%');
    expect(formatStat('induction', null)).toBe('–');
    expect(formatStat('entropy', NaN)).toBe('–');
  });

  it("puts the entropy view's fraction beside headStats()'s four (NaN reads as none)", () => {
    const s = { head: 2, previousToken: 0.1, induction: null, sink: 0.3, distance: 4 };
    expect(statValues(s, 0.25)).toEqual({ previousToken: 0.1, induction: null, sink: 0.3, distance: 4, entropy: 0.25 });
    expect(statValues(undefined, NaN)).toEqual({ previousToken: null, induction: null, sink: null, distance: null, entropy: null });
  });
});

describe('head statistics over training', () => {
  it("the uniform reference is headStats() of uniform causal attention", () => {
    for (const T of [2, 8, 24, 40]) {
      const tokens = Array.from({ length: T }, (_, i) => i);
      const [u] = headStats(mapOf(T, uniform), tokens, 1);
      for (const k of ['previousToken', 'sink', 'distance'] as const) expect(uniformCausal(k, T), `${k} at T ${T}`).toBeCloseTo(u![k]!, 12);
      expect(uniformCausal('entropy', T)).toBe(1);
      expect(uniformCausal('induction', T)).toBeNull();
    }
  });

  it('gives each head its statistic at every snapshot of the layer, the entropy as a fraction of uniform', () => {
    const T = 3;
    const H = 2;
    // Full causal maps (T ≤ 24: the thumbnails are the maps), every visible key weighted: query i sees i + 1 keys.
    const thumb = Float32Array.from({ length: H * T * T }, (_, k) => ((k % T) <= Math.floor(k / T) % T ? 1 : 0));
    const entropy = [Float32Array.from([0, 0.5, 0.9, 0, 0.2, 0.3]), Float32Array.from([0, 0.6, 1, 0, 0.1, 0.4])];
    const snap = (step: number, scale: number): TrainSnapshot =>
      ({
        step,
        T,
        nLayers: 2,
        nHeads: H,
        thumbSide: T,
        thumbs: [thumb, thumb],
        entropy,
        headStats: [0, 1].map((layer) => [0, 1].map((head) => ({ head, previousToken: scale * (layer + head + 1), induction: head === 0 ? null : 0.5, sink: 0.1, distance: scale }))),
        map: null,
      }) as unknown as TrainSnapshot;
    const old = { ...snap(30, 0), headStats: undefined }; // kept before statistics were recorded
    const snaps = [snap(10, 0.1), snap(20, 0.2), old];
    const prev = headStatSeries(snaps, 1, 'previousToken');
    expect(prev.steps).toEqual([10, 20, 30]);
    expect(prev.heads[0]!.slice(0, 2).map((v) => +v.toFixed(12))).toEqual([0.2, 0.4]);
    expect(prev.heads[1]!.slice(0, 2).map((v) => +v.toFixed(12))).toEqual([0.3, 0.6]);
    expect(prev.heads.map((h) => h[2])).toEqual([NaN, NaN]);
    expect(headStatSeries(snaps, 0, 'induction').heads[0]).toEqual([NaN, NaN, NaN]);
    // Entropy, layer 1, head 1: rows 1 and 2 (row 0 sees one key), each over log(keys seen).
    const want = (0.1 / Math.log(2) + 0.4 / Math.log(3)) / 2; // entropy[1] rows 4 and 5
    const got = headStatSeries(snaps, 1, 'entropy').heads[1]!;
    got.forEach((v) => expect(v).toBeCloseTo(want, 6));
  });
});
