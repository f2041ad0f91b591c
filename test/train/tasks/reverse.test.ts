// Reverse: "w|reverse(w)"; the reversal is scored. The solver parses the prompt before "|" and writes it backwards.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import reverse from '../../../src/train/tasks/reverse';
import { expectDisjoint, expectSolved, expectWellFormed, rows, type Solver } from './helpers';

/** Expects "w|answer" then padding, with w of allowed length and letters; scores the answer. */
function solver(p: { minLen: number; maxLen: number; alphabet: number }): Solver {
  const letters = 'abcdefghijklmnopqrstuvwxyz'.slice(0, p.alphabet);
  return (text) => {
    const bar = text.indexOf('|');
    const w = text.slice(0, bar);
    if (bar < p.minLen || bar > p.maxLen || [...w].some((c) => !letters.includes(c))) throw new Error(`bad prompt "${w}"`);
    if (!/^_*$/.test(text.slice(2 * bar + 1))) throw new Error(`"${text}" is not padded after its answer`);
    return new Map([...w].reverse().map((c, i) => [bar + i, c]));
  };
}

const DEFAULTS = { minLen: 2, maxLen: 8, alphabet: 26 };

describe('reverse', () => {
  it('has the documented defaults and needs T ≥ 2·maxLen', () => {
    expect(reverse.defaults).toEqual(DEFAULTS);
    expect(reverse.minT({ maxLen: 7, minLen: 1 })).toBe(14);
  });

  it('is well formed, deterministic, and its held-out set is fixed', () => {
    expectWellFormed(reverse, {}, 16);
    expectWellFormed(reverse, { minLen: 6, maxLen: 6, alphabet: 3 }, 13);
  });

  it('scores exactly the answer, computed from the prompt', () => {
    expectSolved(reverse.generate({}, { batch: 64, T: 20, seed: 3 }), solver(DEFAULTS), 'train');
    expectSolved(reverse.heldOut({}, 16), solver(DEFAULTS), 'held-out');
  });

  it('writes what the task says', () => {
    expect(rows(reverse.generate({ minLen: 4, maxLen: 4 }, { batch: 1, T: 8, seed: 2 }))[0]!.text).toMatch(/^(.)(.)(.)(.)\|\4\3\2\1$/);
  });

  it('never trains on a held-out problem', () => {
    expectDisjoint(reverse, {}, 16);
  });

  it('solves for random parameters and seeds', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 20 }), fc.integer({ min: 0, max: 10 }), fc.integer({ min: 2, max: 26 }), fc.integer(), fc.integer({ min: 0, max: 5 }), (minLen, extra, alphabet, seed, slack) => {
        const p = { minLen, maxLen: minLen + extra, alphabet };
        expectSolved(reverse.generate(p, { batch: 4, T: 2 * p.maxLen + slack, seed }), solver(p), 'random');
      }),
      { numRuns: 60 },
    );
  });

  it('refuses bad parameters and a T too short, naming them', () => {
    expect(() => reverse.generate({ alphabet: 27 }, { batch: 1, T: 200, seed: 0 })).toThrow(/"alphabet" must be a whole number from 2 to 26, got 27/);
    expect(() => reverse.heldOut({ maxLen: 10 }, 19)).toThrow(/T = 19 is too short; these parameters need T ≥ 20 \(maxLen 10/);
  });
});
