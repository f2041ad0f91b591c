import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compile } from '../../src/compiler/compile';
import { validateSpec } from '../../src/spec/schema';
import { weightsOf } from '../helpers';
import { aloneSpec, arbitraryParams, expectMatchesReference, threeLayerSpec } from './harness';
import { expectRefusesOutOfRange } from './refusal';

const VARIANTS = ['polyrelu', 'polynorm'];
const ORDERS = [1, 2, 3, 4];
const polycom = (params: Record<string, unknown>) => ({ ffn: { kind: 'polycom', params } });
const cases = VARIANTS.flatMap((variant) => ORDERS.map((order) => [variant, order] as const));

describe('polycom', () => {
  it.each(cases)('%s of order %i: alone, matches the float64 reference in both modes', async (variant, order) => {
    await expectMatchesReference(aloneSpec(polycom({ variant, order, expansion: 2 })));
  });

  it.each(VARIANTS)('%s: in the middle of a 3-layer model, matches the reference', async (variant) => {
    await expectMatchesReference(threeLayerSpec(polycom({ variant })));
  });

  it('any parameters in range match the reference', () =>
    fc.assert(fc.asyncProperty(arbitraryParams('polycom'), async (p) => { await expectMatchesReference(aloneSpec(polycom(p)), 'x^3!'); }), { numRuns: 8 }));

  it('starts its coefficients as the paper does: a₁ … a_r = 1/r, a₀ = 0', () =>
    fc.assert(
      fc.property(fc.constantFrom(...VARIANTS), fc.integer({ min: 1, max: 4 }), (variant, order) => {
        const w = weightsOf(compile(aloneSpec(polycom({ variant, order })), { T: 2, mode: 'fast' }));
        expect(Array.from(w('layers.0.ffn.a'))).toEqual(Array.from({ length: order }, () => Math.fround(1 / order)));
        expect(Array.from(w('layers.0.ffn.a0'))).toEqual([0]);
      }),
      { numRuns: 8 },
    ));

  it('defaults to PolyNorm of order 3 with expansion 4', () => {
    const r = validateSpec(aloneSpec(polycom({})));
    expect(r.ok && r.spec.layers[0]!.ffn.params).toEqual({ variant: 'polynorm', order: 3, expansion: 4 });
  });

  it('refuses parameters out of range, naming block, parameter and range', () => {
    expectRefusesOutOfRange('ffn', 'polycom', (p) => aloneSpec(polycom(p)));
    expect(validateSpec(aloneSpec(polycom({ order: 5 })))).toEqual({
      ok: false,
      errors: ['layers.0.ffn: PolyCom (PolyReLU / PolyNorm): parameter "order" must be a whole number from 1 to 4, got 5'],
    });
  });
});
