import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { validateSpec } from '../../src/spec/schema';
import { aloneSpec, arbitraryParams, expectMatchesReference, threeLayerSpec } from './harness';
import { expectRefusesOutOfRange } from './refusal';

const ACTIVATIONS = ['relu', 'gelu', 'silu', 'relu2'];
const mlp = (params: Record<string, unknown>) => ({ ffn: { kind: 'mlp', params } });

describe('mlp', () => {
  it.each(ACTIVATIONS)('%s: alone, matches the float64 reference in both modes', async (activation) => {
    await expectMatchesReference(aloneSpec(mlp({ activation, expansion: 2 })));
  });

  it.each(ACTIVATIONS)('%s: in the middle of a 3-layer model, matches the reference', async (activation) => {
    await expectMatchesReference(threeLayerSpec(mlp({ activation, expansion: 4 })));
  });

  it('any parameters in range match the reference', () =>
    fc.assert(fc.asyncProperty(arbitraryParams('mlp'), async (p) => { await expectMatchesReference(aloneSpec(mlp(p)), 'MLP!'); }), { numRuns: 8 }));

  it('defaults to GELU with expansion 4', () => {
    const r = validateSpec(aloneSpec(mlp({})));
    expect(r.ok && r.spec.layers[0]!.ffn.params).toEqual({ activation: 'gelu', expansion: 4 });
  });

  it('refuses parameters out of range, naming block, parameter and range', () => {
    expectRefusesOutOfRange('ffn', 'mlp', (p) => aloneSpec(mlp(p)));
    expect(validateSpec(aloneSpec(mlp({ activation: 'swish' })))).toEqual({
      ok: false,
      errors: ['layers.0.ffn: MLP: parameter "activation" must be one of "relu", "gelu", "silu", "relu2", got "swish"'],
    });
  });
});
