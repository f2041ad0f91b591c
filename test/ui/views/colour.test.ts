import { interpolateBlues } from 'd3-scale-chromatic';
import { rgb } from 'd3-color';
import { describe, expect, it } from 'vitest';
import { BLUES_LUT, colourIndex, rampPosition } from '../../../src/ui/views/colour';

describe('map colour scales', () => {
  it('place a fraction of the largest weight on the ramp: linear, √ and four decades of log', () => {
    expect(rampPosition(0.25, 'linear')).toBe(0.25);
    expect(rampPosition(0.25, 'sqrt')).toBe(0.5);
    expect(rampPosition(1e-2, 'log')).toBeCloseTo(0.5, 12); // 1 + (−2) / 4
    expect(rampPosition(1e-6, 'log')).toBe(0); // below four decades
    expect(rampPosition(0, 'sqrt')).toBe(0);
    expect(colourIndex(1, 'log')).toBe(255);
  });
  it('the lookup table is ColorBrewer Blues at 256 steps', () => {
    const mid = rgb(interpolateBlues(128 / 255));
    expect(Array.from(BLUES_LUT.subarray(128 * 3, 129 * 3))).toEqual([mid.r, mid.g, mid.b]);
  });
});
