import { describe, expect, it } from 'vitest';
import { fitExponent, guideLine, sweepLengths, upperHalfExponent } from '../../src/analysis/scaling';

/** ms = c · T^k at each length. */
const powerLaw = (k: number, c: number, lengths: number[]) => lengths.map((T) => ({ T, ms: c * T ** k }));

describe('scaling exponents', () => {
  it('recovers k from exact T^k data', () => {
    const lengths = [16, 32, 64, 128, 256, 512, 1024, 2048];
    for (const k of [0.5, 1, 1.5, 2, 3]) expect(fitExponent(powerLaw(k, 0.003, lengths))).toBeCloseTo(k, 10);
  });

  it('fits the upper half only, so a fixed cost at small T does not pull a quadratic down', () => {
    const lengths = [16, 32, 64, 128, 256, 512, 1024, 2048];
    // A run overhead of 0.1 ms plus a quadratic part that overtakes it from T ≈ 100.
    const points = lengths.map((T) => ({ T, ms: 0.1 + 1e-5 * T * T }));
    const all = fitExponent(points)!;
    const { exponent, used } = upperHalfExponent(points);
    expect(used.map((p) => p.T)).toEqual([256, 512, 1024, 2048]);
    expect(all).toBeLessThan(1.6);
    expect(exponent!).toBeGreaterThan(1.85);
    expect(exponent!).toBeLessThan(2);
  });

  it('uses at least two points, sorts by T and ignores unusable values', () => {
    const { exponent, used } = upperHalfExponent([{ T: 64, ms: 4 }, { T: 16, ms: 1 }, { T: 32, ms: 0 }]);
    expect(used.map((p) => p.T)).toEqual([16, 64]);
    expect(exponent).toBeCloseTo(1, 10);
    // Odd counts: the upper half rounds up (5 of 9).
    expect(upperHalfExponent(powerLaw(1, 1, [1, 2, 4, 8, 16, 32, 64, 128, 256])).used).toHaveLength(5);
    expect(fitExponent([{ T: 16, ms: 1 }])).toBeNull();
    expect(fitExponent([{ T: 16, ms: 1 }, { T: 16, ms: 2 }])).toBeNull();
    expect(fitExponent([{ T: 16, ms: 1 }, { T: 32, ms: -1 }])).toBeNull();
  });

  it('is robust to multiplicative noise of a few per cent', () => {
    const lengths = [256, 512, 1024, 2048, 4096];
    const noise = [1.03, 0.98, 1.02, 0.97, 1.01];
    const points = powerLaw(2, 1e-4, lengths).map((p, i) => ({ T: p.T, ms: p.ms * noise[i]! }));
    expect(Math.abs(fitExponent(points)! - 2)).toBeLessThan(0.05);
  });
});

describe('sweep lengths and guide lines', () => {
  it('lists powers of two from 16 to the longest length', () => {
    expect(sweepLengths(128)).toEqual([16, 32, 64, 128]);
    expect(sweepLengths(100)).toEqual([16, 32, 64]);
    expect(sweepLengths(4096)).toHaveLength(9);
    expect(sweepLengths(8)).toEqual([8]);
    expect(sweepLengths(0)).toEqual([]);
  });

  it('draws lines of slope 1 and 2 through the first point', () => {
    const first = { T: 16, ms: 2 };
    expect(guideLine(first, 1, [16, 32, 64])).toEqual([{ T: 16, ms: 2 }, { T: 32, ms: 4 }, { T: 64, ms: 8 }]);
    const quad = guideLine(first, 2, [16, 64, 256]);
    expect(quad.map((p) => p.ms)).toEqual([2, 32, 512]);
    expect(fitExponent(quad)).toBeCloseTo(2, 12);
  });
});
