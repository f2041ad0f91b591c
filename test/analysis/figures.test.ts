import { describe, expect, it } from 'vitest';
import { fillFigures, formatFigure, headsBelow, meanEntropyFraction, residualRms, type Figure, type Summaries } from '../../src/analysis/figures';

/** 1 run, 2 heads, T = 3: head 0 uniform over the keys it sees, head 1 on one key each row. */
const summaries: Summaries = {
  T: 3,
  nHeads: 2,
  nLayers: 1,
  // Row i of a causal map sees i + 1 keys; a uniform row has entropy log(i + 1).
  entropy: [Float32Array.from([0, Math.log(2), Math.log(3), 0, 0, 0])],
  support: [Uint16Array.from([1, 2, 3, 1, 1, 1])],
  // After the embeddings: 1, 2, 3 (mean 2); after the run: 4, 4, 7 (mean 5).
  residRms: Float32Array.from([1, 2, 3, 4, 4, 7]),
};

describe('lesson figures', () => {
  it('mean entropy: heads with rows to measure only, each the mean of its rows', () => {
    // Head 0: rows 1 and 2 at 100% of uniform; head 1: every row uses one key, nothing to measure.
    expect(meanEntropyFraction(summaries)).toBeCloseTo(1, 6);
    const half = { ...summaries, entropy: [Float32Array.from([0, Math.log(2) / 2, Math.log(3) / 4, 0, 0, 0])] };
    expect(meanEntropyFraction(half)).toBeCloseTo((0.5 + 0.25) / 2, 6);
    expect(headsBelow(half, 0.6)).toBe(1);
  });

  it('residual RMS after the embeddings and after the last run, averaged over tokens', () => {
    expect(residualRms(summaries, 0)).toBeCloseTo(2, 6);
    expect(residualRms(summaries, -1)).toBeCloseTo(5, 6);
    expect(residualRms(summaries, 1)).toBeCloseTo(5, 6);
  });

  it('fills {name} with the formatted figure, an ellipsis before a result, and leaves unknown names alone', () => {
    const figures: Record<string, Figure> = { e: { of: () => 0.8567, show: 'percent' }, r: { of: () => 2.34, show: 'decimal' }, n: { of: () => 3, show: 'count' } };
    expect(fillFigures('at {e}, {r} and {n} of {x}', figures, summaries)).toBe('at 86%, 2.3 and 3 of {x}');
    expect(fillFigures('at {e}', figures, null)).toBe('at …');
    expect(formatFigure({ of: () => NaN, show: 'percent' }, summaries)).toBe('—');
  });
});
