import { describe, expect, it } from 'vitest';
import { mapDifference } from '../../src/analysis/diff';

describe('mapDifference', () => {
  it('is B − A cell by cell, with the largest |difference|', () => {
    const a = { T: 2, side: 2, block: 1, values: Float32Array.from([1, 0, 0.25, 0.75]) };
    const b = { T: 2, side: 2, block: 1, values: Float32Array.from([1, 0, 0.5, 0.5]) };
    const d = mapDifference(a, b);
    expect('values' in d && Array.from(d.values)).toEqual([0, 0, 0.25, -0.25]);
    expect('values' in d && d.maxAbs).toBe(0.25);
  });
  it('refuses maps of different positions', () => {
    const a = { T: 3, side: 3, block: 1, values: new Float32Array(9) };
    const b = { T: 2, side: 2, block: 1, values: new Float32Array(4) };
    expect(mapDifference(a, b)).toEqual({ error: 'the maps cover different positions (A: 3 tokens in 3 cells, B: 2 in 2)' });
  });
});
