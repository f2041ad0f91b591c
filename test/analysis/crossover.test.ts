import { describe, expect, it } from 'vitest';
import { crossings, extrapolatedCrossing } from '../../src/analysis/crossover';

const powerLaw = (c: number, k: number, lengths: number[]) => lengths.map((T) => ({ T, ms: c * T ** k }));
const L = [16, 32, 64, 128, 256];

describe('crossings', () => {
  it('finds where two power laws meet, on log-log, and which is faster after', () => {
    // a = 0.01 L (grows), b = 0.5 (flat): they meet at L = 50.
    const [x] = crossings(powerLaw(0.01, 1, L), powerLaw(0.5, 0, L));
    expect(x!.T).toBeCloseTo(50, 6);
    expect(x!.ms).toBeCloseTo(0.5, 6);
    expect(x!.fasterAfter).toBe('b');
    expect(x!.how).toBe('measured');
  });
  it('none when one curve stays below, and only at lengths both have', () => {
    expect(crossings(powerLaw(0.001, 1, L), powerLaw(1, 0, L))).toEqual([]);
    expect(crossings(powerLaw(0.01, 1, [16, 256]), powerLaw(0.5, 0, [32, 64]))).toEqual([]);
  });
});

describe('extrapolatedCrossing', () => {
  const runs = (pts: { T: number; ms: number }[]) => pts.map((p) => ({ T: p.T, samplesMs: [0.99, 1, 1.01].map((f) => f * p.ms) }));
  it('meets the fitted laws beyond the range', () => {
    const x = extrapolatedCrossing(runs(powerLaw(0.0001, 1, L)), runs(powerLaw(0.5, 0, L)))!;
    expect(x.T).toBeCloseTo(5000, -1);
    expect(x.fasterAfter).toBe('b');
    expect(x.how).toBe('extrapolated');
  });
  it('null for equal exponents or a meeting point inside the range', () => {
    expect(extrapolatedCrossing(runs(powerLaw(0.1, 1, L)), runs(powerLaw(0.2, 1, L)))).toBeNull();
    expect(extrapolatedCrossing(runs(powerLaw(0.01, 1, L)), runs(powerLaw(0.5, 0, L)))).toBeNull();
  });
});
