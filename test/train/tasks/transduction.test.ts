// Copy, reverse and sort: "w|f(w)" with f(w) scored. One table; each row's solver parses the prompt
// before "|" and writes f of it, computed here (never by the task's code).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import copy from '../../../src/train/tasks/copy';
import reverse from '../../../src/train/tasks/reverse';
import sort from '../../../src/train/tasks/sort';
import type { Task } from '../../../src/train/tasks/define';
import { expectDisjoint, expectSolved, expectWellFormed, rows, type Solver } from './helpers';

type Params = { minLen: number; maxLen: number; alphabet: number };

const TABLE: { task: Task; answer: (w: string[]) => string[] }[] = [
  { task: copy, answer: (w) => w },
  { task: reverse, answer: (w) => [...w].reverse() },
  { task: sort, answer: (w) => [...w].sort((a, b) => a.charCodeAt(0) - b.charCodeAt(0)) },
];

/** Expects "w|answer" then padding, with w of allowed length and letters; scores the answer. */
const solver =
  (answer: (w: string[]) => string[], p: Params): Solver =>
  (text) => {
    const letters = 'abcdefghijklmnopqrstuvwxyz'.slice(0, p.alphabet);
    const bar = text.indexOf('|');
    const w = [...text.slice(0, bar)];
    if (bar < p.minLen || bar > p.maxLen || w.some((c) => !letters.includes(c))) throw new Error(`bad prompt "${w.join('')}"`);
    if (!/^_*$/.test(text.slice(2 * bar + 1))) throw new Error(`"${text}" is not padded after its answer`);
    return new Map(answer(w).map((c, i) => [bar + i, c]));
  };

const DEFAULTS: Params = { minLen: 2, maxLen: 8, alphabet: 26 };

describe.each(TABLE)('$task.kind', ({ task, answer }) => {
  it('has the documented defaults and needs T ≥ 2·maxLen', () => {
    expect(task.defaults).toEqual(DEFAULTS);
    expect(task.minT()).toBe(16);
    expect(task.minT({ maxLen: 7, minLen: 1 })).toBe(14);
  });

  it('is well formed, deterministic, and its held-out set is fixed', () => {
    expectWellFormed(task, {}, 16);
    expectWellFormed(task, { minLen: 6, maxLen: 6, alphabet: 3 }, 13);
  });

  it('scores exactly the answer, computed from the prompt', () => {
    expectSolved(task.generate({}, { batch: 64, T: 20, seed: 3 }), solver(answer, DEFAULTS), 'train');
    expectSolved(task.heldOut({}, 16), solver(answer, DEFAULTS), 'held-out');
  });

  it('fills the tightest T: the last answer is the last target', () => {
    const p = { minLen: 5, maxLen: 5, alphabet: 4 };
    const b = task.generate(p, { batch: 8, T: 10, seed: 1 });
    expectSolved(b, solver(answer, p), 'tight');
    for (const row of rows(b)) expect(row.scored.at(-1)).toBe(9);
  });

  it('draws every length from minLen to maxLen', () => {
    const lengths = new Set(rows(task.generate({ minLen: 2, maxLen: 6 }, { batch: 200, T: 12, seed: 5 })).map((r) => r.text.indexOf('|')));
    expect([...lengths].sort()).toEqual([2, 3, 4, 5, 6]);
  });

  it('never trains on a held-out problem', () => {
    expectDisjoint(task, {}, 16);
  });

  it('says when there are too few problems to hold some out', () => {
    const h = task.heldOut({ minLen: 1, maxLen: 3, alphabet: 2 }, 6);
    expect(h.disjoint).toBe(false);
    expect(h.note).toContain('14 distinct problems'); // 2 + 4 + 8 strings
  });

  it('solves for random parameters and seeds', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 20 }), fc.integer({ min: 0, max: 10 }), fc.integer({ min: 2, max: 26 }), fc.integer(), fc.integer({ min: 0, max: 5 }), (minLen, extra, alphabet, seed, slack) => {
        const p = { minLen, maxLen: minLen + extra, alphabet };
        expectSolved(task.generate(p, { batch: 4, T: 2 * p.maxLen + slack, seed }), solver(answer, p), 'random');
      }),
      { numRuns: 60 },
    );
  });

  it('refuses bad parameters and a T too short, naming them', () => {
    expect(() => task.generate({ maxLen: 65 }, { batch: 1, T: 200, seed: 0 })).toThrow(/"maxLen" must be a whole number from 1 to 64, got 65/);
    expect(() => task.generate({ alphabet: 27 }, { batch: 1, T: 200, seed: 0 })).toThrow(/"alphabet" must be a whole number from 2 to 26, got 27/);
    expect(() => task.generate({ minLen: 9, maxLen: 4 }, { batch: 1, T: 200, seed: 0 })).toThrow(/minLen \(9\) must not be more than maxLen \(4\)/);
    expect(() => task.generate({}, { batch: 1, T: 15, seed: 0 })).toThrow(/T = 15 is too short; these parameters need T ≥ 16 \(maxLen 8/);
    expect(() => task.heldOut({ maxLen: 10 }, 19)).toThrow(/T = 19 is too short; these parameters need T ≥ 20 \(maxLen 10/);
    expect(task.check({}, 15)).toMatch(/T ≥ 16/);
    expect(task.check({}, 16)).toBeNull();
    expect(() => task.generate({}, { batch: 0, T: 16, seed: 0 })).toThrow(/batch must be a whole number from 1/);
    expect(() => task.generate({}, { batch: 1, T: 16, seed: 0.5 })).toThrow(/seed must be a whole number/);
    expect(() => task.heldOut({}, 16, 'some text')).toThrow(/takes no text/);
  });
});

describe('what each writes', () => {
  it('copy writes the string again, reverse backwards, sort in order with repeats kept', () => {
    expect(rows(copy.generate({ minLen: 4, maxLen: 4 }, { batch: 1, T: 8, seed: 2 }))[0]!.text).toMatch(/^(.)(.)(.)(.)\|\1\2\3\4$/);
    expect(rows(reverse.generate({ minLen: 4, maxLen: 4 }, { batch: 1, T: 8, seed: 2 }))[0]!.text).toMatch(/^(.)(.)(.)(.)\|\4\3\2\1$/);
    const counts = (s: string) => [...s].reduce((m, c) => m.set(c, (m.get(c) ?? 0) + 1), new Map<string, number>());
    for (const row of rows(sort.generate({ alphabet: 3, minLen: 8, maxLen: 8 }, { batch: 20, T: 16, seed: 4 }))) {
      const [w, s] = row.text.split('|') as [string, string];
      expect(counts(s)).toEqual(counts(w));
      for (let i = 1; i < s.length; i++) expect(s[i - 1]! <= s[i]!).toBe(true);
    }
  });
});
