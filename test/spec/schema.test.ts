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
    expect(errorsOf({ ...defaultSpec(), dModel: 4096 })).toEqual(['dModel: dModel must be between 8 and 512']);
    expect(errorsOf({ ...defaultSpec(), layers: [] })).toEqual(['layers: layers must number between 1 and 12']);
  });

  it('names the layer, block and parameter of a bad block parameter', () => {
    const spec = defaultSpec();
    spec.layers[1]!.ffn.params = { expansion: 99 };
    const [err] = errorsOf(spec);
    expect(err).toMatch(/^layer 1 feed-forward: MLP: parameter "expansion":/);
    expect(err).toMatch(/8/);
  });

  it('refuses unknown blocks and heads that do not divide the model width', () => {
    const spec = { ...defaultSpec(), nHeads: 3 };
    spec.position = { kind: 'rope?', params: {} };
    const errs = errorsOf(spec);
    expect(errs).toContain('nHeads: dModel (64) must be divisible by nHeads (3)');
    expect(errs.some((e) => e.startsWith('position: unknown position block "rope?"'))).toBe(true);
  });

  it('refuses things that are not specs at all', () => {
    expect(errorsOf(null).length).toBeGreaterThan(0);
    expect(errorsOf('{"version":1}').length).toBeGreaterThan(0);
    expect(errorsOf({ ...defaultSpec(), version: 2 })[0]).toMatch(/^version:/);
  });
});
