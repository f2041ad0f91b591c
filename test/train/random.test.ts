// The seeded stream: SplitMix32 checked against the same definition in BigInt arithmetic (no
// Math.imul, no shifts of JS numbers), and its integer draws for uniformity and range.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Rng, hash32, mix32 } from '../../src/train/random';

const M = 2n ** 32n;

/** MurmurHash3's finaliser, in BigInt: z ^= z >> 16; z *= 0x85ebca6b; z ^= z >> 13; z *= 0xc2b2ae35; z ^= z >> 16. */
function mixRef(x: bigint): bigint {
  let z = x % M;
  z = ((z ^ (z >> 16n)) * 0x85ebca6bn) % M;
  z = ((z ^ (z >> 13n)) * 0xc2b2ae35n) % M;
  return z ^ (z >> 16n);
}

/** The first n draws of SplitMix32 from `seed`: state += 0x9e3779b9, output mix(state). */
function splitmixRef(seed: number, n: number): number[] {
  let s = BigInt(seed >>> 0);
  return Array.from({ length: n }, () => {
    s = (s + 0x9e3779b9n) % M;
    return Number(mixRef(s));
  });
}

describe('Rng (SplitMix32)', () => {
  it('matches the definition computed in BigInt', () => {
    for (const seed of [0, 1, 42, 0xdeadbeef, 2 ** 32 - 1]) {
      const rng = new Rng(seed);
      expect(Array.from({ length: 64 }, () => rng.next()), `seed ${seed}`).toEqual(splitmixRef(seed, 64));
    }
    fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 32 - 1 }), (x) => mix32(x) === Number(mixRef(BigInt(x)))));
  });

  it('draws integers in range, uniformly (chi-square over 10 bins)', () => {
    const rng = new Rng(7);
    const n = 10;
    const counts = new Array<number>(n).fill(0);
    const draws = 100_000;
    for (let i = 0; i < draws; i++) {
      const x = rng.int(n);
      expect(x >= 0 && x < n && Number.isInteger(x)).toBe(true);
      counts[x]!++;
    }
    const e = draws / n;
    const chi2 = counts.reduce((s, c) => s + (c - e) ** 2 / e, 0);
    expect(chi2).toBeLessThan(27.88); // the 99.9th percentile of chi-square with 9 degrees of freedom
  });

  it('range includes both ends; shuffle is a permutation; pick gives distinct items', () => {
    const rng = new Rng(3);
    const seen = new Set(Array.from({ length: 500 }, () => rng.range(-2, 2)));
    expect([...seen].sort()).toEqual([-1, -2, 0, 1, 2].sort());
    const xs = Array.from({ length: 50 }, (_, i) => i);
    expect(rng.shuffle(xs).sort((a, b) => a - b)).toEqual(xs);
    const k = rng.pick(xs, 10);
    expect(new Set(k).size).toBe(10);
    expect(() => rng.int(0)).toThrow(/n must be a whole number from 1/);
  });

  it('hash32 gives different seeds for different inputs, and the same for the same', () => {
    expect(hash32(1, 2, 3)).toBe(hash32(1, 2, 3));
    const seeds = new Set<number>();
    for (let a = 0; a < 50; a++) for (let b = 0; b < 50; b++) seeds.add(hash32(a, b));
    expect(seeds.size).toBe(2500);
    expect(hash32(1, 2)).not.toBe(hash32(2, 1));
  });
});
