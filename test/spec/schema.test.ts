import { describe, expect, it } from 'vitest';
import { defaultSpec } from '../../src/spec/defaults';
import { validateSpec } from '../../src/spec/schema';

const errorsOf = (raw: unknown) => {
  const r = validateSpec(raw);
  return r.ok ? [] : r.errors;
};

describe('validateSpec', () => {
  it('accepts the default spec unchanged', () => {
    const r = validateSpec(defaultSpec());
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.spec).toEqual(defaultSpec());
  });

  it('fills block parameters from their defaults', () => {
    const spec = defaultSpec();
    spec.layers[0]!.ffn.params = {};
    const r = validateSpec(spec);
    expect(r.ok && r.spec.layers[0]!.ffn.params).toEqual({ activation: 'gelu', expansion: 4 });
  });

  it('names the field and the range of a value out of range', () => {
    expect(errorsOf({ ...defaultSpec(), dModel: 4096 })).toEqual(['dModel: must be a whole number from 8 to 1024, got 4096']);
    expect(errorsOf({ ...defaultSpec(), dModel: 12.5 })).toEqual(['dModel: must be a whole number from 8 to 1024, got 12.5']);
    expect(errorsOf({ ...defaultSpec(), nHeads: '4' })).toEqual(['nHeads: must be a whole number from 1 to 16, got "4"']);
    expect(errorsOf({ ...defaultSpec(), layers: [] })).toEqual(['layers: must hold from 1 to 12 layers']);
    const spec = defaultSpec();
    (spec.layers[0] as { placement: string }).placement = 'middle';
    expect(errorsOf(spec)).toEqual(['layers.0.placement: must be "pre", "post" or "peri", got "middle"']);
  });

  it('names the layer, block and parameter of a bad block parameter', () => {
    const spec = defaultSpec();
    spec.layers[1]!.ffn.params = { expansion: 99 };
    expect(errorsOf(spec)).toEqual(['layers.1.ffn: MLP: parameter "expansion" must be a whole number from 1 to 8, got 99']);
    spec.layers[1]!.ffn.params = { activation: 'swish' };
    expect(errorsOf(spec)).toEqual(['layers.1.ffn: MLP: parameter "activation" must be one of "relu", "gelu", "silu", "relu2", got "swish"']);
    spec.layers[1]!.ffn.params = { expansoin: 2 };
    expect(errorsOf(spec)).toEqual(['layers.1.ffn: MLP: unknown parameter "expansoin" (known: activation, expansion)']);
    spec.layers[1]!.ffn.params = {};
    spec.layers[0]!.norm.params = { epsilon: 1 };
    expect(errorsOf(spec)).toEqual(['layers.0.norm: LayerNorm: parameter "epsilon" must be a number from 1e-12 to 0.01, got 1']);
  });

  it('refuses unknown blocks and heads that do not divide the model width', () => {
    const spec = { ...defaultSpec(), nHeads: 3 };
    spec.position = { kind: 'rope?', params: {} };
    const errs = errorsOf(spec);
    expect(errs).toContain('nHeads: must divide dModel (64), got 3');
    expect(errs.some((e) => e.startsWith('position: unknown position block "rope?"'))).toBe(true);
  });

  it('says which fields are missing', () => {
    const { seed: _s, ...noSeed } = defaultSpec();
    expect(errorsOf(noSeed)).toEqual(['seed: missing']);
  });

  it('refuses things that are not specs at all', () => {
    expect(errorsOf(null).length).toBeGreaterThan(0);
    expect(errorsOf('{"version":1}').length).toBeGreaterThan(0);
    expect(errorsOf({ ...defaultSpec(), version: 3 })[0]).toMatch(/^version:/);
  });
});
