// Copy: "w|w"; the copy is scored. The solver parses the prompt before "|" and writes it again.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import copy from '../../../src/train/tasks/copy';
import { expectDisjoint, expectSolved, expectWellFormed, rows, type Solver } from './helpers';

/** Expects "w|w" then padding, with w of allowed length and letters; scores the copy. */
function solver(p: { minLen: number; maxLen: number; alphabet: number }): Solver {
  const letters = 'abcdefghijklmnopqrstuvwxyz'.slice(0, p.alphabet);
  return (text) => {
    const bar = text.indexOf('|');
    const w = text.slice(0, bar);
    if (bar < p.minLen || bar > p.maxLen || [...w].some((c) => !letters.includes(c))) throw new Error(`bad prompt "${w}"`);
    if (!/^_*$/.test(text.slice(2 * bar + 1))) throw new Error(`"${text}" is not padded after its answer`);
    return new Map([...w].map((c, i) => [bar + i, c]));
  };
}

const DEFAULTS = { minLen: 2, maxLen: 8, alphabet: 26 };

describe('copy', () => {
  it('has the documented defaults and needs T ≥ 2·maxLen', () => {
    expect(copy.defaults).toEqual(DEFAULTS);
    expect(copy.minT()).toBe(16);
    expect(copy.minT({ maxLen: 5 })).toBe(10);
  });

  it('is well formed, deterministic, and its held-out set is fixed', () => {
    expectWellFormed(copy, {}, 16);
    expectWellFormed(copy, { minLen: 3, maxLen: 3, alphabet: 2 }, 9);
  });

  it('scores exactly the copy, with the prompt as answer', () => {
    expectSolved(copy.generate({}, { batch: 64, T: 20, seed: 3 }), solver(DEFAULTS), 'train');
    expectSolved(copy.heldOut({}, 16), solver(DEFAULTS), 'held-out');
  });

  it('fills the tightest T: the last answer is the last target', () => {
    const p = { minLen: 5, maxLen: 5, alphabet: 4 };
    const b = copy.generate(p, { batch: 8, T: 10, seed: 1 });
    expectSolved(b, solver(p), 'tight');
    for (const row of rows(b)) expect(row.scored.at(-1)).toBe(9);
  });

  it('draws every length from minLen to maxLen', () => {
    const lengths = new Set(rows(copy.generate({ minLen: 2, maxLen: 6 }, { batch: 200, T: 12, seed: 5 })).map((r) => r.text.indexOf('|')));
    expect([...lengths].sort()).toEqual([2, 3, 4, 5, 6]);
  });

  it('never trains on a held-out problem', () => {
    expectDisjoint(copy, {}, 16);
  });

  it('says when there are too few problems to hold some out', () => {
    const h = copy.heldOut({ minLen: 1, maxLen: 3, alphabet: 2 }, 6);
    expect(h.disjoint).toBe(false);
    expect(h.note).toContain('14 distinct problems'); // 2 + 4 + 8 strings
  });

  it('solves for random parameters and seeds', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 20 }), fc.integer({ min: 0, max: 10 }), fc.integer({ min: 2, max: 26 }), fc.integer(), fc.integer({ min: 0, max: 5 }), (minLen, extra, alphabet, seed, slack) => {
        const p = { minLen, maxLen: minLen + extra, alphabet };
        expectSolved(copy.generate(p, { batch: 4, T: 2 * p.maxLen + slack, seed }), solver(p), 'random');
      }),
      { numRuns: 60 },
    );
  });

  it('refuses bad parameters and a T too short, naming them', () => {
    expect(() => copy.generate({ maxLen: 65 }, { batch: 1, T: 200, seed: 0 })).toThrow(/"maxLen" must be a whole number from 1 to 64, got 65/);
    expect(() => copy.generate({ minLen: 9, maxLen: 4 }, { batch: 1, T: 200, seed: 0 })).toThrow(/minLen \(9\) must not be more than maxLen \(4\)/);
    expect(() => copy.generate({}, { batch: 1, T: 15, seed: 0 })).toThrow(/T = 15 is too short; these parameters need T ≥ 16 \(maxLen 8/);
    expect(copy.check({}, 15)).toMatch(/T ≥ 16/);
    expect(copy.check({}, 16)).toBeNull();
    expect(() => copy.generate({}, { batch: 0, T: 16, seed: 0 })).toThrow(/batch must be a whole number from 1/);
    expect(() => copy.generate({}, { batch: 1, T: 16, seed: 0.5 })).toThrow(/seed must be a whole number/);
    expect(() => copy.heldOut({}, 16, 'some text')).toThrow(/takes no text/);
  });
});
