import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compile } from '../../src/compiler/compile';
import { validateSpec } from '../../src/spec/schema';
import { tokenize } from '../../src/spec/vocab';
import { moeGates } from './moe.ref';
import { aloneSpec, arbitraryParams, expectMatchesReference, TEXT, threeLayerSpec } from './harness';
import { expectRefusesOutOfRange } from './refusal';

const moe = (params: Record<string, unknown>) => ({ ffn: { kind: 'moe', params } });
/** Experts and k: Switch (k = 1), top-2, all experts, and the largest setting. */
const ROUTINGS = [[4, 1], [4, 2], [3, 3], [8, 8]] as const;
/** Random parameters with k ≤ experts (k > experts is refused, see below). */
const validParams = arbitraryParams('moe').map((p): Record<string, unknown> => ({ ...p, k: Math.min(p['k'] as number, p['experts'] as number) }));

/** Rows [T][E] of a flat router_probs output. */
const rows = (data: ArrayLike<number>, E: number): number[][] =>
  Array.from({ length: data.length / E }, (_, t) => Array.from(data).slice(t * E, (t + 1) * E));

describe('moe', () => {
  it.each(ROUTINGS)('%i experts, top-%i: alone, matches the float64 reference (logits and router_probs)', async (experts, k) => {
    const out = await expectMatchesReference(aloneSpec(moe({ experts, k, expansion: 2 })));
    expect(out['router_probs.0']!.dims).toEqual([1, tokenize(TEXT, 64).ids.length, experts]);
  });

  it.each(ROUTINGS)('%i experts, top-%i: in the middle of a 3-layer model, matches the reference', async (experts, k) => {
    const out = await expectMatchesReference(threeLayerSpec(moe({ experts, k })));
    expect(Object.keys(out).filter((n) => n.startsWith('router_probs'))).toEqual(['router_probs.1']);
  });

  it('any valid parameters match the reference; router rows sum to 1 and exactly k gates are nonzero', () =>
    fc.assert(
      fc.asyncProperty(validParams, async (p) => {
        const E = p['experts'] as number;
        const k = p['k'] as number;
        const out = await expectMatchesReference(aloneSpec(moe(p)), 'route me');
        for (const row of rows(out['router_probs.0']!.data as Float32Array, E)) {
          expect(Math.abs(row.reduce((s, q) => s + q, 0) - 1)).toBeLessThan(1e-5);
          expect(new Set(row).size).toBe(E); // no ties, so the top k are well defined
          const gates = moeGates(row, k);
          expect(gates.filter((g) => g !== 0)).toHaveLength(k);
          const kept = gates.reduce((s, g) => s + g, 0);
          if (k > 1) expect(Math.abs(kept - 1)).toBeLessThan(1e-6);
          else expect(kept).toBe(Math.max(...row)); // Switch: the raw top probability
        }
      }),
      { numRuns: 8 },
    ));

  it('the reference gates keep exactly the k largest probabilities (renormalised when k > 1)', () =>
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 1, max: 1000 }), { minLength: 2, maxLength: 8 }), fc.integer({ min: 1, max: 8 }), (raw, k0) => {
        const z = raw.reduce((s, q) => s + q, 0);
        const probs = raw.map((q) => q / z); // distinct, sum to 1
        const k = Math.min(k0, probs.length);
        const kth = [...probs].sort((a, b) => b - a)[k - 1]!;
        const gates = moeGates(probs, k);
        expect(gates.filter((g) => g !== 0)).toHaveLength(k);
        probs.forEach((q, e) => expect(gates[e] !== 0).toBe(q >= kth));
        if (k > 1) expect(Math.abs(gates.reduce((s, g) => s + g, 0) - 1)).toBeLessThan(1e-12);
        else expect(gates.reduce((s, g) => s + g, 0)).toBe(Math.max(...probs));
      }),
      { numRuns: 50 },
    ));

  it('the fast graph has no router probe', () => {
    const graph = compile(aloneSpec(moe({})), { T: 5, mode: 'fast' });
    expect(graph.outputs.map((o) => o.name)).toEqual(['logits']);
  });

  it('defaults to 4 experts, top-2, expansion 2', () => {
    const r = validateSpec(aloneSpec(moe({})));
    expect(r.ok && r.spec.layers[0]!.ffn.params).toEqual({ experts: 4, k: 2, expansion: 2 });
  });

  it('refuses parameters out of range, naming block, parameter and range', () => {
    expectRefusesOutOfRange('ffn', 'moe', (p) => aloneSpec(moe(p)));
    expect(validateSpec(aloneSpec(moe({ experts: 9 })))).toEqual({
      ok: false,
      errors: ['layers.0.ffn: MoE: parameter "experts" must be a whole number from 2 to 8, got 9'],
    });
  });

  it('refuses k larger than the number of experts', () =>
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 7 }).chain((experts) => fc.tuple(fc.constant(experts), fc.integer({ min: experts + 1, max: 8 }))), ([experts, k]) => {
        expect(validateSpec(aloneSpec(moe({ experts, k })))).toEqual({
          ok: false,
          errors: [`layers.0.ffn: MoE: parameter "k" must be at most the number of experts (${experts}), got ${k}`],
        });
      }),
      { numRuns: 20 },
    ));
});
