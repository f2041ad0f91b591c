// MQAR: "k1v1…knvn:" then queried keys each followed by its value; the values after ":" are scored.
// The solver reads the pairs into a dictionary and looks the queried keys up.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import mqar from '../../../src/train/tasks/mqar';
import { expectDisjoint, expectSolved, expectWellFormed, rows, type Solver } from './helpers';

const KEYS = 'abcdefghijklmnopqrstuvwxyz';
const VALUES = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';
type P = { pairs: number; queries: number; keys: number; values: number };

function solver(p: P): Solver {
  return (text) => {
    const colon = text.indexOf(':');
    if (colon !== 2 * p.pairs) throw new Error(`"${text}": ":" at ${colon}, not after ${p.pairs} pairs`);
    const dict = new Map<string, string>();
    for (let i = 0; i < colon; i += 2) {
      const [k, v] = [text[i]!, text[i + 1]!];
      if (!KEYS.slice(0, p.keys).includes(k) || !VALUES.slice(0, p.values).includes(v) || dict.has(k)) throw new Error(`"${text}": bad pair ${k}${v}`);
      dict.set(k, v);
    }
    const want = new Map<number, string>();
    const asked = new Set<string>();
    for (let q = 0; q < p.queries; q++) {
      const at = colon + 1 + 2 * q;
      const k = text[at]!;
      if (!dict.has(k) || asked.has(k)) throw new Error(`"${text}": query ${k} is not a fresh key`);
      asked.add(k);
      want.set(at, dict.get(k)!); // position `at` reads the key and predicts its value
    }
    if (!/^_*$/.test(text.slice(colon + 1 + 2 * p.queries))) throw new Error(`"${text}" is not padded after its queries`);
    return want;
  };
}

const DEFAULTS = { pairs: 8, queries: 8, keys: 26, values: 10 };

describe('mqar', () => {
  it('has the documented defaults and needs T ≥ 2·(pairs + queries)', () => {
    expect(mqar.defaults).toEqual(DEFAULTS);
    expect(mqar.minT()).toBe(32);
    expect(mqar.minT({ pairs: 4, queries: 2 })).toBe(12);
  });

  it('is well formed, deterministic, and its held-out set is fixed', () => {
    expectWellFormed(mqar, {}, 40);
    expectWellFormed(mqar, { pairs: 3, queries: 1, keys: 3, values: 2 }, 8);
  });

  it('scores the queried values, which the pairs give', () => {
    expectSolved(mqar.generate({}, { batch: 64, T: 32, seed: 3 }), solver(DEFAULTS), 'train');
    expectSolved(mqar.heldOut({}, 40), solver(DEFAULTS), 'held-out');
  });

  it('asks keys in varying order and about varying pairs', () => {
    const p = { pairs: 6, queries: 3, keys: 26, values: 10 };
    const firstAsked = rows(mqar.generate(p, { batch: 100, T: 18, seed: 2 })).map((r) => r.text.indexOf(r.text[13]!));
    expect(new Set(firstAsked).size).toBe(6); // the first query hits each of the 6 pair slots
  });

  it('never trains on a held-out problem', () => {
    expectDisjoint(mqar, {}, 32);
  });

  it('solves for random parameters and seeds', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 26 }), fc.integer({ min: 0, max: 26 }), fc.integer({ min: 0, max: 26 }), fc.integer({ min: 2, max: 36 }), fc.integer(), (pairs, q, k, values, seed) => {
        const p = { pairs, queries: 1 + (q % pairs), keys: Math.min(26, Math.max(2, pairs + k)), values: Math.max(2, values) };
        expectSolved(mqar.generate(p, { batch: 4, T: 2 * (p.pairs + p.queries) + (seed & 3), seed }), solver(p), 'random');
      }),
      { numRuns: 60 },
    );
  });

  it('refuses more pairs than keys, more queries than pairs, and a T too short', () => {
    expect(mqar.check({ pairs: 10, keys: 8 }, 64)).toMatch(/pairs \(10\) must not be more than keys \(8\)/);
    expect(mqar.check({ pairs: 4, queries: 5 }, 64)).toMatch(/queries \(5\) must not be more than pairs \(4\)/);
    expect(mqar.check({}, 31)).toMatch(/T = 31 is too short; these parameters need T ≥ 32 \(pairs 8 and queries 8/);
    expect(mqar.check({ values: 37 }, 64)).toMatch(/"values" must be a whole number from 2 to 36, got 37/);
  });
});
