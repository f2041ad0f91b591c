// Induction: random symbols with one segment of distinct symbols occurring twice, its symbols
// nowhere else; inside the second occurrence each next symbol is scored. The solver finds the
// repeated segment by brute force and predicts what followed each symbol at its first occurrence.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import induction from '../../../src/train/tasks/induction';
import type { Batch } from '../../../src/train/tasks/define';
import { charOf, expectDisjoint, expectWellFormed, rows } from './helpers';

const SYMBOLS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

function solver(p: { segment: number; alphabet: number }): (text: string) => Map<number, string>[] {
  return (text) => {
    const n = text.length;
    const L = p.segment;
    if ([...text].some((c) => !SYMBOLS.slice(0, p.alphabet).includes(c))) throw new Error(`"${text}" has a symbol outside the alphabet`);
    const count = (c: string) => [...text].filter((x) => x === c).length;
    const found: [number, number][] = [];
    for (let i = 0; i + L <= n; i++) {
      const seg = text.slice(i, i + L);
      if (new Set(seg).size !== L || [...seg].some((c) => count(c) !== 2)) continue;
      for (let k = i + L; k + L <= n; k++) if (text.slice(k, k + L) === seg) found.push([i, k]);
    }
    // Filler next to both occurrences can by chance be the same symbol, which then also occurs
    // exactly twice: the repeat is longer than the segment and the text alone does not say where the
    // segment starts. Every candidate is returned; the row must match one of them.
    if (found.length === 0) throw new Error(`"${text}": no repeated segment of ${L} distinct symbols that occur nowhere else`);
    // Position t reads text[t] (in the second occurrence) and should predict what followed it at i.
    return found.map(([i, k]) => new Map(Array.from({ length: L - 1 }, (_, j) => [k + j, text[i + j + 1]!])));
  };
}

/** Each row's scored positions and answers are those of one of the solver's candidates. */
function expectSolved(b: Batch, solve: (text: string) => Map<number, string>[], what: string): void {
  for (const [r, row] of rows(b).entries()) {
    const answers = new Map(row.scored.map((t) => [t, charOf(row.targets[t]!)]));
    const match = solve(row.text).some((want) => want.size === answers.size && [...want].every(([t, c]) => answers.get(t) === c));
    expect(match, `${what} row ${r} "${row.text}": scored ${JSON.stringify([...answers])}`).toBe(true);
  }
}

describe('induction', () => {
  it('has the documented defaults and needs T ≥ 2·segment − 1', () => {
    expect(induction.defaults).toEqual({ segment: 8, alphabet: 26 });
    expect(induction.minT()).toBe(15);
  });

  it('is well formed, deterministic, and its held-out set is fixed', () => {
    expectWellFormed(induction, {}, 32);
    expectWellFormed(induction, { segment: 2, alphabet: 3 }, 3);
  });

  it('scores the second occurrence, with what followed each symbol the first time', () => {
    expectSolved(induction.generate({}, { batch: 64, T: 48, seed: 3 }), solver({ segment: 8, alphabet: 26 }), 'train');
    expectSolved(induction.heldOut({}, 20), solver({ segment: 8, alphabet: 26 }), 'held-out');
  });

  it('each scored symbol occurred exactly once before, and the answer followed it there', () => {
    for (const row of rows(induction.generate({ segment: 5, alphabet: 10 }, { batch: 32, T: 40, seed: 9 }))) {
      for (const t of row.scored) {
        const before = [...row.text.slice(0, t)].flatMap((c, j) => (c === row.text[t] ? [j] : []));
        expect(before.length).toBe(1);
        expect(row.text[t + 1]).toBe(row.text[before[0]! + 1]);
      }
    }
  });

  it('places the two occurrences anywhere: both starts vary', () => {
    const starts = rows(induction.generate({ segment: 4, alphabet: 20 }, { batch: 100, T: 40, seed: 1 })).map((r) => r.scored[0]!);
    expect(new Set(starts).size).toBeGreaterThan(10);
  });

  it('never trains on a held-out problem', () => {
    expectDisjoint(induction, {}, 24, 4);
  });

  it('solves for random parameters and seeds', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 12 }), fc.integer({ min: 1, max: 20 }), fc.integer({ min: 0, max: 30 }), fc.integer(), (segment, more, slack, seed) => {
        const p = { segment, alphabet: Math.min(62, segment + more) };
        expectSolved(induction.generate(p, { batch: 4, T: 2 * segment - 1 + slack, seed }), solver(p), 'random');
      }),
      { numRuns: 60 },
    );
  });

  it('refuses a segment as long as the alphabet, and a T too short', () => {
    expect(induction.check({ segment: 10, alphabet: 10 }, 64)).toMatch(/segment \(10\) must be less than alphabet \(10\)/);
    expect(induction.check({ segment: 10 }, 18)).toMatch(/T = 18 is too short; these parameters need T ≥ 19 \(segment 10/);
    expect(induction.check({ alphabet: 63 }, 64)).toMatch(/"alphabet" must be a whole number from 3 to 62, got 63/);
  });
});
