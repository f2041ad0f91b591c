// Sort: "w|sorted(w)"; the sorted string is scored. The solver parses the prompt before "|" and sorts it by character code.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import sort from '../../../src/train/tasks/sort';
import { expectDisjoint, expectSolved, expectWellFormed, rows, type Solver } from './helpers';

/** Expects "w|answer" then padding, with w of allowed length and letters; scores the answer. */
function solver(p: { minLen: number; maxLen: number; alphabet: number }): Solver {
  const letters = 'abcdefghijklmnopqrstuvwxyz'.slice(0, p.alphabet);
  return (text) => {
    const bar = text.indexOf('|');
    const w = text.slice(0, bar);
    if (bar < p.minLen || bar > p.maxLen || [...w].some((c) => !letters.includes(c))) throw new Error(`bad prompt "${w}"`);
    if (!/^_*$/.test(text.slice(2 * bar + 1))) throw new Error(`"${text}" is not padded after its answer`);
    return new Map([...w].sort((a, b) => a.charCodeAt(0) - b.charCodeAt(0)).map((c, i) => [bar + i, c]));
  };
}

const DEFAULTS = { minLen: 2, maxLen: 8, alphabet: 26 };

describe('sort', () => {
  it('has the documented defaults and needs T ≥ 2·maxLen', () => {
    expect(sort.defaults).toEqual(DEFAULTS);
    expect(sort.minT({ maxLen: 7, minLen: 1 })).toBe(14);
  });

  it('is well formed, deterministic, and its held-out set is fixed', () => {
    expectWellFormed(sort, {}, 16);
    expectWellFormed(sort, { minLen: 6, maxLen: 6, alphabet: 3 }, 13);
  });

  it('scores exactly the answer, computed from the prompt', () => {
    expectSolved(sort.generate({}, { batch: 64, T: 20, seed: 3 }), solver(DEFAULTS), 'train');
    expectSolved(sort.heldOut({}, 16), solver(DEFAULTS), 'held-out');
  });

  it('writes what the task says', () => {
    const counts = (s: string) => [...s].reduce((m, c) => m.set(c, (m.get(c) ?? 0) + 1), new Map<string, number>());
    for (const row of rows(sort.generate({ alphabet: 3, minLen: 8, maxLen: 8 }, { batch: 20, T: 16, seed: 4 }))) {
      const [w, s] = row.text.split('|') as [string, string];
      expect(counts(s)).toEqual(counts(w)); // repeats kept: the same letters, each as often
      for (let i = 1; i < s.length; i++) expect(s[i - 1]! <= s[i]!).toBe(true);
    }
  });

  it('never trains on a held-out problem', () => {
    expectDisjoint(sort, {}, 16);
  });

  it('solves for random parameters and seeds', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 20 }), fc.integer({ min: 0, max: 10 }), fc.integer({ min: 2, max: 26 }), fc.integer(), fc.integer({ min: 0, max: 5 }), (minLen, extra, alphabet, seed, slack) => {
        const p = { minLen, maxLen: minLen + extra, alphabet };
        expectSolved(sort.generate(p, { batch: 4, T: 2 * p.maxLen + slack, seed }), solver(p), 'random');
      }),
      { numRuns: 60 },
    );
  });

  it('refuses bad parameters and a T too short, naming them', () => {
    expect(() => sort.generate({ alphabet: 27 }, { batch: 1, T: 200, seed: 0 })).toThrow(/"alphabet" must be a whole number from 2 to 26, got 27/);
    expect(() => sort.heldOut({ maxLen: 10 }, 19)).toThrow(/T = 19 is too short; these parameters need T ≥ 20 \(maxLen 10/);
  });
});
