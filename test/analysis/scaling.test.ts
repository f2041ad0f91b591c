import { describe, expect, it } from 'vitest';
import { exponentWithInterval, fitExponent, guideLine, MIN_LOG_SIGMA, sizeOf, sweepLengths, upperHalfExponent } from '../../src/analysis/scaling';

/** ms = c · T^k at each length. */
const powerLaw = (k: number, c: number, lengths: number[]) => lengths.map((T) => ({ T, ms: c * T ** k }));

describe('scaling exponents', () => {
  it('against T·log T: exact T·log T data gives 1, while against T it reads higher (about 1 + 1/ln T)', () => {
    const lengths = [1024, 2048, 4096, 8192];
    const points = lengths.map((T) => ({ T, ms: 3e-4 * T * Math.log(T) }));
    expect(fitExponent(points, 'TlogT')).toBeCloseTo(1, 10);
    const plain = fitExponent(points)!;
    expect(plain).toBeGreaterThan(1.1); // d ln(T ln T) / d ln T = 1 + 1/ln T: 1.144 at T = 1024, 1.111 at 8192
    expect(plain).toBeLessThan(1.15);
    // A pure power law loses the log's share: T^1.5 against T·log T fits below 1.5 by about the same amount.
    expect(fitExponent(powerLaw(1.5, 1e-3, lengths), 'TlogT')).toBeCloseTo(1.5 / plain, 2);
    expect(fitExponent(powerLaw(1, 1, [1, 2]), 'TlogT')).toBeNull(); // log 1 = 0: no size
    expect(sizeOf(1024, 'TlogT')).toBe(10240);
    expect(sizeOf(1024, 'T')).toBe(1024);
  });

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

describe('the exponent with its interval', () => {
  /** Weighted least squares through the normal equations [Σw Σwx; Σwx Σwx²] b = [Σwy; Σwxy], written apart from the code under test. */
  function reference(points: { T: number; median: number; sigma: number }[]) {
    let S = 0, Sx = 0, Sxx = 0, Sy = 0, Sxy = 0;
    for (const p of points) {
      const w = 1 / p.sigma ** 2;
      const x = Math.log(p.T);
      const y = Math.log(p.median);
      S += w; Sx += w * x; Sxx += w * x * x; Sy += w * y; Sxy += w * x * y;
    }
    const det = S * Sxx - Sx * Sx;
    const k = (S * Sxy - Sx * Sy) / det;
    const a = (Sxx * Sy - Sx * Sxy) / det;
    const varK = S / det; // (XᵀWX)⁻¹ at [1][1]
    const chi2 = points.reduce((c, p) => c + (Math.log(p.median) - a - k * Math.log(p.T)) ** 2 / p.sigma ** 2, 0);
    return { k, se: Math.sqrt(varK), chi2 };
  }

  it('gives an exact power law its exponent, with the smallest error each point may have', () => {
    const lengths = [64, 128, 256, 512];
    const points = lengths.map((T) => ({ T, samplesMs: [1, 1, 1, 1, 1].map(() => 0.002 * T ** 1.5) }));
    const fit = exponentWithInterval(points)!;
    expect(fit.used).toEqual([256, 512]);
    expect(fit.exponent).toBeCloseTo(1.5, 10);
    // Two points with σ = MIN_LOG_SIGMA: se = σ·√2 / ln(512/256).
    expect(fit.se).toBeCloseTo((MIN_LOG_SIGMA * Math.SQRT2) / Math.log(2), 12);
    expect(fit.lo).toBeCloseTo(1.5 - 1.96 * fit.se, 12);
    expect(fit.hi).toBeCloseTo(1.5 + 1.96 * fit.se, 12);
  });

  it('matches a float64 weighted fit from the normal equations, its error scaled when the points scatter', () => {
    // Runs (ms) at 6 lengths: the upper 3 are fitted. Each point's σ follows the docstring's formula.
    const runs: Record<number, number[]> = {
      16: [0.1, 0.11, 0.1],
      32: [0.2, 0.21, 0.2],
      64: [0.5, 0.52, 0.49],
      256: [3.0, 3.3, 2.9, 3.1, 3.6, 3.0, 3.2],
      1024: [30, 31, 29, 33, 30, 40, 30],
      4096: [200, 205, 199, 230, 201, 210, 202],
    };
    const points = Object.entries(runs).map(([T, samplesMs]) => ({ T: Number(T), samplesMs }));
    const q = (xs: number[], p: number) => {
      const s = [...xs].sort((a, b) => a - b);
      const h = (s.length - 1) * p;
      return s[Math.floor(h)]! + (h - Math.floor(h)) * (s[Math.ceil(h)]! - s[Math.floor(h)]!);
    };
    const ref = reference(
      [256, 1024, 4096].map((T) => {
        const xs = runs[T]!;
        const sigma = Math.max(MIN_LOG_SIGMA, ((Math.log(q(xs, 0.75)) - Math.log(q(xs, 0.25))) / 1.349) * Math.sqrt(Math.PI / 2 / xs.length));
        return { T, median: q(xs, 0.5), sigma };
      }),
    );
    const fit = exponentWithInterval(points)!;
    expect(fit.used).toEqual([256, 1024, 4096]);
    expect(fit.exponent).toBeCloseTo(ref.k, 12);
    expect(ref.chi2).toBeGreaterThan(1); // these points scatter more than their runs say
    expect(fit.se).toBeCloseTo(ref.se * Math.sqrt(ref.chi2 / 1), 12);
    expect(fit.hi - fit.exponent).toBeCloseTo(12.706 * fit.se, 9); // Student's t, 1 degree of freedom
  });

  it('covers the true exponent about 95% of the time on synthetic runs with log-normal noise', () => {
    let seed = 12345;
    const uniform = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) + 0.5) / 2 ** 32;
    const normal = () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
    const k = 1.3;
    const lengths = [16, 32, 64, 128, 256, 512, 1024, 2048];
    let covered = 0;
    const trials = 400;
    for (let t = 0; t < trials; t++) {
      const points = lengths.map((T) => ({ T, samplesMs: Array.from({ length: 7 }, () => 1e-3 * T ** k * Math.exp(0.15 * normal())) }));
      const fit = exponentWithInterval(points)!;
      if (fit.lo <= k && k <= fit.hi) covered++;
    }
    expect(covered / trials).toBeGreaterThan(0.88);
    expect(covered / trials).toBeLessThan(0.995);
  });

  it('has no interval with fewer than two lengths', () => {
    expect(exponentWithInterval([{ T: 16, samplesMs: [1, 2] }])).toBeNull();
    expect(exponentWithInterval([{ T: 16, samplesMs: [1] }, { T: 16, samplesMs: [2] }])).toBeNull();
    expect(exponentWithInterval([{ T: 16, samplesMs: [] }, { T: 32, samplesMs: [2] }])).toBeNull();
  });
});
