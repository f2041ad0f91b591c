import { interpolateBlues, interpolateRdBu } from 'd3-scale-chromatic';
import { rgb } from 'd3-color';
import { describe, expect, it } from 'vitest';
import { BLUES_LUT, colourIndex, colourRows, divergingIndex, hasNegative, rampPosition, RDBU_LUT } from '../../../src/ui/views/colour';

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

describe('diverging colours of signed maps', () => {
  it('put 0 at the middle of the ramp, the sign on its side, and |f| spread by the scale', () => {
    expect(divergingIndex(0, 'linear')).toBe(Math.round(127.5));
    expect(divergingIndex(1, 'linear')).toBe(255);
    expect(divergingIndex(-1, 'sqrt')).toBe(0);
    expect(divergingIndex(-0.25, 'sqrt')).toBe(Math.round((0.5 - 0.5 * 0.5) * 255)); // √0.25 = 0.5 of the way to the red end
    expect(divergingIndex(0.01, 'log')).toBe(Math.round((0.5 + 0.5 * 0.5) * 255));
  });
  it('RdBu is red below 0 and blue above (the sign of a weight reads from its hue)', () => {
    const at = (i: number) => Array.from(RDBU_LUT.subarray(i * 3, i * 3 + 3));
    const [r0, , b0] = at(divergingIndex(-2 / 3, 'sqrt'));
    const [r1, , b1] = at(divergingIndex(1 / 3, 'sqrt'));
    expect(r0).toBeGreaterThan(b0!);
    expect(b1).toBeGreaterThan(r1!);
    const mid = rgb(interpolateRdBu(0.5));
    expect(Math.abs(at(divergingIndex(0, 'sqrt'))[0]! - mid.r)).toBeLessThanOrEqual(2);
  });
  it('colourRows writes each cell\'s LUT colour as rrggbb, rows separated by semicolons', () => {
    const lut = new Uint8ClampedArray(256 * 3);
    lut.set([255, 0, 16], 3);
    lut.set([1, 2, 3], 6);
    expect(colourRows(2, 2, lut, Uint8Array.from([1, 2, 0, 1]))).toBe('ff0010,010203;000000,ff0010');
  });
  it('hasNegative tells signed maps', () => {
    expect(hasNegative(Float32Array.from([0, 1, 0.5]))).toBe(false);
    expect(hasNegative(Float32Array.from([0, -1e-9, 0.5]))).toBe(true);
  });
});
