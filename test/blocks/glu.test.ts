import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compile } from '../../src/compiler/compile';
import { validateSpec } from '../../src/spec/schema';
import { aloneSpec, arbitraryParams, expectMatchesReference, threeLayerSpec } from './harness';
import { expectRefusesOutOfRange } from './refusal';

const VARIANTS = ['swiglu', 'geglu', 'reglu'];
const glu = (params: Record<string, unknown>) => ({ ffn: { kind: 'glu', params } });

describe('glu', () => {
  it.each(VARIANTS)('%s: alone, matches the float64 reference in both modes', async (variant) => {
    await expectMatchesReference(aloneSpec(glu({ variant, expansion: 2 })));
  });

  it.each(VARIANTS)('%s: in the middle of a 3-layer model, matches the reference', async (variant) => {
    await expectMatchesReference(threeLayerSpec(glu({ variant, expansion: 4 })));
  });

  it('any parameters in range match the reference', () =>
    fc.assert(fc.asyncProperty(arbitraryParams('glu'), async (p) => { await expectMatchesReference(aloneSpec(glu(p)), 'gated!'); }), { numRuns: 8 }));

  it('has three bias-free projections of width expansion · dModel', () => {
    const graph = compile(aloneSpec(glu({ expansion: 3 })), { T: 4, mode: 'fast' });
    const weights = graph.initializers.filter((i) => i.trainable && i.tensor.name.startsWith('layers.0.ffn.'));
    expect(Object.fromEntries(weights.map((w) => [w.tensor.name, w.tensor.shape]))).toEqual({
      'layers.0.ffn.wgate': [32, 96],
      'layers.0.ffn.wup': [32, 96],
      'layers.0.ffn.wdown': [96, 32],
    });
  });

  it('defaults to SwiGLU with expansion 4', () => {
    const r = validateSpec(aloneSpec(glu({})));
    expect(r.ok && r.spec.layers[0]!.ffn.params).toEqual({ variant: 'swiglu', expansion: 4 });
  });

  it('refuses parameters out of range, naming block, parameter and range', () => {
    expectRefusesOutOfRange('ffn', 'glu', (p) => aloneSpec(glu(p)));
    expect(validateSpec(aloneSpec(glu({ expansion: 9 })))).toEqual({
      ok: false,
      errors: ['layers.0.ffn: GLU (SwiGLU / GeGLU / ReGLU): parameter "expansion" must be a whole number from 1 to 8, got 9'],
    });
  });
});
