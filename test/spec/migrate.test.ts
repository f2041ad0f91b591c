import { describe, expect, it } from 'vitest';
import { migrate } from '../../src/spec/migrate';
import { parseSpec, parseSpecJson } from '../../src/spec/schema';
import { defaultSpec } from '../../src/spec/defaults';
import { SPEC_VERSION } from '../../src/spec/types';

/** A configuration exactly as format 1 wrote it (the walking skeleton's format). */
const V1 = {
  version: 1,
  seed: 3,
  dModel: 32,
  nHeads: 2,
  maxLen: 64,
  vocab: 'char',
  position: { kind: 'learned_absolute', params: {} },
  layers: [
    {
      mixer: { kind: 'softmax_attention', params: { causal: false } },
      norm: { kind: 'layer_norm', params: { epsilon: 1e-5 } },
      placement: 'post',
      ffn: { kind: 'mlp', params: { activation: 'gelu', expansion: 2 } },
    },
  ],
};

describe('migrate', () => {
  it('brings format 1 up to the current format, keeping every setting', () => {
    const r = parseSpec(V1);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.spec.version).toBe(SPEC_VERSION);
    expect(r.spec.tokenizer).toEqual({ kind: 'char' });
    expect(r.spec.name).toBe('Untitled model');
    expect('vocab' in r.spec).toBe(false);
    expect([r.spec.seed, r.spec.dModel, r.spec.nHeads, r.spec.maxLen]).toEqual([3, 32, 2, 64]);
    // Optional fields come back with their defaults (kvHeads and topology arrived after format 1).
    expect(r.spec.layers).toEqual([
      { ...V1.layers[0], mixer: { kind: 'softmax_attention', params: { causal: false, kvHeads: 0 } }, topology: { kind: 'sequential', params: {} } },
    ]);
    expect(r.spec.loops).toEqual([]);
    expect(r.spec.sigmaReparam).toEqual({ enabled: false, gamma: 1 });
    expect(migrate(V1)).toMatchObject({ ok: true, from: 1 });
  });

  it('leaves a current document as it is', () => {
    const r = migrate(defaultSpec());
    expect(r).toEqual({ ok: true, doc: defaultSpec(), from: SPEC_VERSION });
  });

  it('refuses documents from a newer app, without a version, or not objects', () => {
    expect(parseSpec({ ...defaultSpec(), version: 99 })).toEqual({
      ok: false,
      errors: [`version: this configuration is format 99, written by a newer Transformer Playground; this one reads formats 1 to ${SPEC_VERSION}`],
    });
    const { version: _v, ...unversioned } = defaultSpec();
    expect(parseSpec(unversioned)).toEqual({ ok: false, errors: [`version: missing; a configuration says its format version (1 to ${SPEC_VERSION})`] });
    expect(parseSpec([1, 2])).toEqual({ ok: false, errors: ['spec: a configuration must be a JSON object'] });
    expect(parseSpec({ version: 'two' })).toEqual({ ok: false, errors: [`version: must be a whole number from 1 to ${SPEC_VERSION}, got "two"`] });
  });

  it('reports JSON syntax errors as a refusal, not a crash', () => {
    const r = parseSpecJson('{"version": 2,');
    expect(r.ok).toBe(false);
    expect(!r.ok && r.errors[0]).toMatch(/^spec: not valid JSON/);
  });

  it('validates what migration produced: a bad old document is still refused with the field named', () => {
    const r = parseSpec({ ...V1, dModel: 7 });
    expect(r).toEqual({ ok: false, errors: ['dModel: must be a whole number from 8 to 1024, got 7'] });
  });
});
