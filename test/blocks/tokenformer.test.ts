// TokenFormer: the mixer (Pattention q/k/v/o around softmax attention) and the Pattention
// feed-forward, both paths against the float64 reference (alone, in a 3-layer model, with RoPE),
// the token × parameter probe, the normalisation's defining property, no future leak, refusals.
import { describe, expect, it } from 'vitest';
import { compile } from '../../src/compiler/compile';
import { validateSpec } from '../../src/spec/schema';
import { tokenize } from '../../src/spec/vocab';
import { aloneSpec, expectMatchesReference, runGraph, TEXT, threeLayerSpec } from './harness';
import { expectRefusesOutOfRange } from './refusal';

const mixer = (params: Record<string, unknown>) => ({ mixer: { kind: 'tokenformer', params } });
const ffn = (params: Record<string, unknown>) => ({ ffn: { kind: 'pattention_ffn', params } });

describe.each([{}, { causal: false }, { tokens: 1 }, { tokens: 200, causal: false }])('tokenformer mixer %j', (params) => {
  it('matches the float64 reference alone, in both modes (map and param_attn probe too)', () => expectMatchesReference(aloneSpec(mixer(params)), TEXT));
  it('matches the float64 reference inside a 3-layer model', () => expectMatchesReference(threeLayerSpec(mixer(params)), TEXT));
});

describe('tokenformer with positions and the Pattention feed-forward', () => {
  it('with RoPE', () => expectMatchesReference(aloneSpec({ ...mixer({}), position: { kind: 'rope', params: {} } }), TEXT));
  it.each([{}, { tokens: 3 }])('pattention_ffn %j alone and in a 3-layer model', async (params) => {
    await expectMatchesReference(aloneSpec(ffn(params)), TEXT);
    await expectMatchesReference(threeLayerSpec({ ...mixer({}), ...ffn(params) }), TEXT);
  });
});

describe('the token × parameter probe', () => {
  it('is [1, 4, T, P] (q, k, v, o), within the range the row normalisation allows', async () => {
    const P = 16;
    const spec = aloneSpec(mixer({ tokens: P }));
    const tokens = tokenize(TEXT, spec.maxLen).ids;
    const T = tokens.length;
    const out = await runGraph(spec, tokens, 'inspect');
    const probe = out['param_attn.0']!;
    expect(probe.dims).toEqual([1, 4, T, P]);
    // Its values equal the reference's (checked above); here the range the normalisation implies:
    // each GELU argument row has norm √P, so every argument lies in [−√P, √P] and Θ in [−0.17, √P].
    for (const v of probe.data) {
      expect(v).toBeGreaterThanOrEqual(-0.17);
      expect(v).toBeLessThanOrEqual(Math.sqrt(P));
    }
    // Not degenerate: some parameter tokens get weight, some are left near 0 or below.
    expect(Math.max(...probe.data)).toBeGreaterThan(1);
    expect(Math.min(...probe.data)).toBeLessThan(0);
  });

  it('causal: changing a later token changes no earlier output (no future leak)', async () => {
    const spec = aloneSpec(mixer({}));
    const a = tokenize('abcdefghij', spec.maxLen).ids;
    const b = tokenize('abcdefgXYZ', spec.maxLen).ids;
    const la = (await runGraph(spec, a, 'fast'))['logits']!.data;
    const lb = (await runGraph(spec, b, 'fast'))['logits']!.data;
    const V = la.length / a.length;
    expect(Array.from(lb.subarray(0, 7 * V))).toEqual(Array.from(la.subarray(0, 7 * V)));
  });

  it('is absent from the fast graph', async () => {
    const spec = aloneSpec(mixer({}));
    expect(Object.keys(await runGraph(spec, tokenize('abc', 64).ids, 'fast'))).toEqual(['logits']);
  });
});

describe('tokenformer parameters', () => {
  it('defaults: causal, 64 parameter tokens; weights are key and value tokens only (no linear maps)', () => {
    const r = validateSpec(aloneSpec(mixer({})));
    expect(r.ok && r.spec.layers[0]!.mixer.params).toEqual({ causal: true, tokens: 64 });
    const graph = compile(aloneSpec(mixer({ tokens: 5 })), { T: 4, mode: 'fast' });
    const names = graph.initializers.filter((i) => i.trainable && i.tensor.name.startsWith('layers.0.mixer.')).map((w) => `${w.tensor.name} ${w.tensor.shape}`);
    expect(names.sort()).toEqual(['k', 'o', 'q', 'v'].flatMap((n) => [`layers.0.mixer.${n}_keys 5,32`, `layers.0.mixer.${n}_values 5,32`]).sort());
  });

  it('refuses parameters out of range, naming block, parameter and range', () => {
    expectRefusesOutOfRange('mixer', 'tokenformer', (p) => aloneSpec(mixer(p)), 'layers.0.mixer');
    expectRefusesOutOfRange('ffn', 'pattention_ffn', (p) => aloneSpec(ffn(p)), 'layers.0.ffn');
  });
});
