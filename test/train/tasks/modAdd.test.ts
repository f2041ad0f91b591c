// Modular addition: "a+b=c", zero-padded to the digits of p − 1, c = (a + b) mod p; c is scored.
// The solver parses a and b and computes the sum; the split is checked by collecting pairs.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import modAdd from '../../../src/train/tasks/modAdd';
import { expectSolved, expectWellFormed, rows, type Solver } from './helpers';

function solver(p: number): Solver {
  const w = String(p - 1).length;
  return (text) => {
    const m = new RegExp(`^(\\d{${w}})\\+(\\d{${w}})=(\\d{${w}})_*$`).exec(text);
    if (!m) throw new Error(`"${text}" is not a+b=c with ${w} digits each`);
    const [a, b] = [Number(m[1]), Number(m[2])];
    if (a >= p || b >= p) throw new Error(`"${text}": an operand is not below ${p}`);
    const c = String((a + b) % p).padStart(w, '0');
    const eq = 2 * w + 1; // position of "=", which predicts the first digit of c
    return new Map([...c].map((d, i) => [eq + i, d]));
  };
}

/** The pair "a+b" of each row. */
const pairs = (b: Parameters<typeof rows>[0]) => rows(b).map((r) => r.text.split('=')[0]!);

describe('modAdd', () => {
  it('has the documented defaults and needs T ≥ 3·digits + 1', () => {
    expect(modAdd.defaults).toEqual({ p: 97, trainFraction: 0.5 });
    expect(modAdd.minT()).toBe(7);
    expect(modAdd.minT({ p: 10 })).toBe(4);
    expect(modAdd.minT({ p: 11 })).toBe(7);
    expect(modAdd.minT({ p: 1000 })).toBe(10);
  });

  it('is well formed, deterministic, and its held-out set is fixed', () => {
    expectWellFormed(modAdd, {}, 7);
    expectWellFormed(modAdd, { p: 7 }, 12);
  });

  it('scores the digits of (a + b) mod p', () => {
    expectSolved(modAdd.generate({}, { batch: 256, T: 7, seed: 3 }), solver(97), 'train');
    expectSolved(modAdd.heldOut({}, 8), solver(97), 'held-out');
    expectSolved(modAdd.generate({ p: 1000 }, { batch: 64, T: 10, seed: 3 }), solver(1000), 'p = 1000');
  });

  it('splits all p² pairs by trainFraction: training sees one part, the held-out set is the other', () => {
    // p = 5: 25 pairs, round(12.5) = 13 for training, 12 held out (fewer than 256: all of them, once each).
    const held = modAdd.heldOut({ p: 5 }, 4);
    expect(held.B).toBe(12);
    expect(held.disjoint).toBe(true);
    const heldPairs = new Set(pairs(held));
    expect(heldPairs.size).toBe(12);
    const seen = new Set<string>();
    for (let s = 0; s < 20; s++) for (const pr of pairs(modAdd.generate({ p: 5 }, { batch: 64, T: 4, seed: s }))) seen.add(pr);
    expect(seen.size).toBe(13);
    for (const pr of seen) expect(heldPairs.has(pr)).toBe(false);
    expect(seen.size + heldPairs.size).toBe(25);
  });

  it('keeps the default split: 256 distinct held-out pairs, none drawn in training', () => {
    const held = new Set(pairs(modAdd.heldOut({}, 7)));
    expect(held.size).toBe(256);
    const seen = new Set<string>();
    for (let s = 0; s < 40; s++) for (const pr of pairs(modAdd.generate({}, { batch: 256, T: 7, seed: s }))) seen.add(pr);
    for (const pr of held) expect(seen.has(pr)).toBe(false);
    // 10,240 uniform draws from the round(0.5 · 9409) = 4705 training pairs reach 4705 · (1 − e^(−10240/4705))
    // ≈ 4171 distinct ones on average (standard deviation about 20), and never more than 4705.
    expect(seen.size).toBeLessThanOrEqual(4705);
    expect(Math.abs(seen.size - 4705 * (1 - Math.exp(-10240 / 4705)))).toBeLessThan(150);
  });

  it('follows trainFraction', () => {
    const seen = new Set<string>();
    for (let s = 0; s < 20; s++) for (const pr of pairs(modAdd.generate({ p: 10, trainFraction: 0.3 }, { batch: 64, T: 4, seed: s }))) seen.add(pr);
    expect(seen.size).toBe(30);
    expect(modAdd.heldOut({ p: 10, trainFraction: 0.3 }, 4).B).toBe(70);
  });

  it('solves for random moduli and seeds', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 1000 }), fc.double({ min: 0.05, max: 0.95, noNaN: true }), fc.integer(), (p, trainFraction, seed) => {
        const T = 3 * String(p - 1).length + 1 + (seed & 3);
        expectSolved(modAdd.generate({ p, trainFraction }, { batch: 8, T, seed }), solver(p), 'random');
      }),
      { numRuns: 40 },
    );
  });

  it('refuses a modulus out of range and a T too short', () => {
    expect(modAdd.check({ p: 1 }, 10)).toMatch(/"p" must be a whole number from 2 to 1000, got 1/);
    expect(modAdd.check({ trainFraction: 1 }, 10)).toMatch(/"trainFraction" must be a number from 0.05 to 0.95, got 1/);
    expect(modAdd.check({}, 6)).toMatch(/T = 6 is too short; these parameters need T ≥ 7 \(p 97: three numbers of 2 digits/);
  });
});
