import { describe, expect, it } from 'vitest';
import { residualSummary } from '../../src/analysis/residual';

describe('residualSummary', () => {
  it('gives mean, min and max over positions for each depth, by hand', () => {
    // 3 depths (embeddings + 2 layer runs), T = 2
    const s = residualSummary(Float32Array.from([1, 3, 2, 2, 0.5, 4.5]), 2);
    expect(s).toEqual([
      { mean: 2, min: 1, max: 3 },
      { mean: 2, min: 2, max: 2 },
      { mean: 2.5, min: 0.5, max: 4.5 },
    ]);
  });

  it('is empty without positions', () => {
    expect(residualSummary(new Float32Array(0), 0)).toEqual([]);
  });
});
