/** Properties every eviction policy must have, on random maps and budgets (fast-check). */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { POLICY_KINDS, createPolicy } from '../../../src/analysis/eviction/registry';
import { mapProblem, meanKept, simulate, table } from '../../../src/analysis/eviction/simulate';
import { Rng } from '../../../src/train/random';
import { randomMap } from './maps';

const arb = fc.record({ T: fc.integer({ min: 2, max: 28 }), seed: fc.integer({ min: 0, max: 1e6 }), frac: fc.double({ min: 0.02, max: 1.2, noNaN: true }), spread: fc.double({ min: 0.1, max: 6, noNaN: true }) });
const budgetOf = (T: number, frac: number) => Math.max(1, Math.round(frac * T));
const params = (seed: number) => ({ rng: new Rng(seed) });

describe('eviction properties', () => {
  it('the ceiling keeps at least as much mass as every policy at every step, and every mask fits the budget and keeps the new key', () => {
    fc.assert(
      fc.property(arb, ({ T, seed, frac, spread }) => {
        const map = randomMap(T, seed, spread);
        const B = budgetOf(T, frac);
        const ceiling = simulate(map, T, 'topk', B);
        for (const kind of POLICY_KINDS) {
          const sim = simulate(map, T, kind, B, params(seed));
          for (let t = 0; t < T; t++) {
            expect(sim.kept[t]!).toBeLessThanOrEqual(ceiling.kept[t]! + 1e-12);
            const mask = sim.masks[t]!;
            expect(mask.length).toBe(t + 1);
            expect(mask.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(B);
            if (kind !== 'topk') expect(mask[t]).toBe(1);
          }
        }
      }),
      { numRuns: 60 },
    );
  });

  it('a budget of t + 1 or more keeps everything (kept mass 1)', () => {
    fc.assert(
      fc.property(arb, ({ T, seed }) => {
        const map = randomMap(T, seed);
        for (const kind of POLICY_KINDS) {
          const sim = simulate(map, T, kind, T, params(seed));
          sim.masks.forEach((m) => expect(m.every((k) => k === 1)).toBe(true));
          sim.kept.forEach((k) => expect(k).toBeCloseTo(1, 12));
          expect(meanKept(sim)).toBe(1);
        }
      }),
      { numRuns: 30 },
    );
  });

  it('StreamingLLM keeps exactly the sinks and the recent window', () => {
    fc.assert(
      fc.property(arb, fc.integer({ min: 0, max: 6 }), ({ T, seed, frac }, sinks) => {
        const B = budgetOf(T, frac);
        const sim = simulate(randomMap(T, seed), T, 'streaming_llm', B, { sinks });
        const s = Math.min(sinks, B - 1);
        sim.masks.forEach((m, t) => {
          const want = Array.from({ length: t + 1 }, (_, j) => (t + 1 <= B || j < s || j > t - (B - s) ? 1 : 0));
          expect(Array.from(m)).toEqual(want);
        });
      }),
      { numRuns: 60 },
    );
  });

  it("A2SF with λ = 1 is H2O (plain accumulation): the same masks", () => {
    fc.assert(
      fc.property(arb, ({ T, seed, frac, spread }) => {
        const map = randomMap(T, seed, spread);
        const B = budgetOf(T, frac);
        const a = simulate(map, T, 'a2sf', B, { lambda: 1 });
        const h = simulate(map, T, 'h2o', B);
        a.masks.forEach((m, t) => expect(Array.from(m)).toEqual(Array.from(h.masks[t]!)));
      }),
      { numRuns: 60 },
    );
  });

  it('the cache policies never bring an evicted key back', () => {
    fc.assert(
      fc.property(arb, ({ T, seed, frac }) => {
        const map = randomMap(T, seed);
        const B = budgetOf(T, frac);
        for (const kind of ['streaming_llm', 'h2o', 'scissorhands', 'keyformer', 'a2sf'] as const) {
          const sim = simulate(map, T, kind, B, params(seed));
          for (let t = 1; t < T; t++) for (let j = 0; j < t; j++) if (!sim.masks[t - 1]![j]) expect(sim.masks[t]![j]).toBe(0);
        }
      }),
      { numRuns: 40 },
    );
  });

  it('Keyformer is reproducible from its seed and changes with it', () => {
    const T = 30;
    const map = randomMap(T, 5);
    const a = simulate(map, T, 'keyformer', 8, { rng: new Rng(1) });
    const b = simulate(map, T, 'keyformer', 8, { rng: new Rng(1) });
    expect(a.masks.map((m) => Array.from(m))).toEqual(b.masks.map((m) => Array.from(m)));
    const differs = [2, 3, 4, 5, 6].some((s) => simulate(map, T, 'keyformer', 8, { rng: new Rng(s) }).masks.some((m, t) => m.some((k, j) => k !== a.masks[t]![j])));
    expect(differs).toBe(true);
  });

  it('the table averages each head’s mean kept mass over the evicting steps', () => {
    const T = 24;
    const maps = [randomMap(T, 1), randomMap(T, 2), randomMap(T, 3)];
    const cells = table(maps, T, ['h2o', 'topk'], [4, 12], (h) => new Rng(h));
    expect(cells).toHaveLength(4);
    for (const c of cells) {
      const want = maps.map((m) => {
        const sim = simulate(m, T, c.kind, c.budget);
        let s = 0;
        for (let t = c.budget; t < T; t++) s += sim.kept[t]!;
        return s / (T - c.budget);
      });
      want.forEach((w, h) => expect(c.perHead[h]).toBeCloseTo(w, 12));
      expect(c.mean).toBeCloseTo(want.reduce((a, b) => a + b, 0) / 3, 12);
    }
  });

  it('refuses bad budgets and parameters with a sentence', () => {
    expect(() => createPolicy('h2o', {}, 0)).toThrow(/at least 1/);
    expect(() => createPolicy('a2sf', { lambda: 1.5 }, 4)).toThrow(/forgetting factor/);
    expect(() => createPolicy('keyformer', {}, 4)).toThrow(/seeded generator/);
    expect(() => createPolicy('snapkv', { kernel: 4 }, 4)).toThrow(/odd/);
    expect(() => createPolicy('topk', {}, 2).keep(5)).toThrow(/oracle/);
  });

  it('mapProblem accepts a causal distribution map and names the two that are not', () => {
    const T = 6;
    const map = randomMap(T, 9);
    expect(mapProblem(map, T)).toBeNull();
    const both = map.slice();
    both[0 * T + 3] = 0.1;
    expect(mapProblem(both, T)).toBe('bidirectional');
    const signed = map.slice();
    signed[4 * T + 1] = -0.2;
    expect(mapProblem(signed, T)).toBe('not-probabilities');
  });
});
