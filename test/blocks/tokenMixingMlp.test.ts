// Token-mixing MLP: both paths against the float64 reference (alone and in a 3-layer model), the
// map is the learned matrix itself (causal: lower-triangular), no future token leaks, refusals.
import { describe, expect, it } from 'vitest';
import { compile } from '../../src/compiler/compile';
import { validateSpec } from '../../src/spec/schema';
import { tokenize } from '../../src/spec/vocab';
import { weightsOf } from '../helpers';
import { aloneSpec, expectMatchesReference, runGraph, TEXT, threeLayerSpec } from './harness';
import { expectRefusesOutOfRange } from './refusal';

const mixer = (params: Record<string, unknown>) => ({ mixer: { kind: 'token_mixing_mlp', params } });

describe.each([{}, { causal: false }])('token-mixing MLP %j', (params) => {
  it('matches the float64 reference alone, in both modes', () => expectMatchesReference(aloneSpec(mixer(params)), TEXT, 1e-4, 1e-5));
  it('matches the float64 reference inside a 3-layer model', () => expectMatchesReference(threeLayerSpec(mixer(params)), TEXT, 1e-4, 1e-5));
  it('matches at T = maxLen (the whole matrix, no slice)', () => expectMatchesReference(aloneSpec(mixer(params), { maxLen: 16 }), 'sixteen letters!', 1e-4, 1e-5));
});

describe('the map of the token-mixing MLP', () => {
  it.each([true, false])('is the top-left T × T corner of the learned matrix (causal %s), in every head', async (causal) => {
    const spec = aloneSpec(mixer({ causal }));
    const tokens = tokenize(TEXT, spec.maxLen).ids;
    const T = tokens.length;
    const M = weightsOf(compile(spec, { T, mode: 'inspect' }))('layers.0.mixer.mix');
    const probs = (await runGraph(spec, tokens, 'inspect'))['attn_probs.0']!.data;
    let nonzeroAbove = 0;
    for (let h = 0; h < spec.nHeads; h++)
      for (let i = 0; i < T; i++)
        for (let j = 0; j < T; j++) {
          const a = probs[(h * T + i) * T + j]!;
          if (causal && j > i) expect(a).toBe(0);
          else expect(a).toBeCloseTo(M[i * spec.maxLen + j]!, 6);
          if (j > i && a !== 0) nonzeroAbove++;
        }
    expect(nonzeroAbove > 0).toBe(!causal);
  });

  it('causal: changing a later token changes no earlier output (no future leak), in both modes', async () => {
    const spec = aloneSpec(mixer({}));
    const a = tokenize('abcdefghij', spec.maxLen).ids;
    const b = tokenize('abcdefgXYZ', spec.maxLen).ids;
    for (const mode of ['fast', 'inspect'] as const) {
      const la = (await runGraph(spec, a, mode))['logits']!.data;
      const lb = (await runGraph(spec, b, mode))['logits']!.data;
      const V = la.length / a.length;
      expect(Array.from(lb.subarray(0, 7 * V))).toEqual(Array.from(la.subarray(0, 7 * V)));
      expect(Array.from(lb.subarray(7 * V))).not.toEqual(Array.from(la.subarray(7 * V)));
    }
  });
});

describe('token-mixing MLP parameters', () => {
  it('defaults to causal, with one maxLen × maxLen weight', () => {
    const r = validateSpec(aloneSpec(mixer({})));
    expect(r.ok && r.spec.layers[0]!.mixer.params).toEqual({ causal: true });
    const graph = compile(aloneSpec(mixer({})), { T: 4, mode: 'fast' });
    const weights = graph.initializers.filter((i) => i.trainable && i.tensor.name.startsWith('layers.0.mixer.'));
    expect(weights.map((w) => [w.tensor.name, w.tensor.shape])).toEqual([['layers.0.mixer.mix', [64, 64]]]);
  });

  it('refuses parameters out of range, naming block, parameter and range', () => {
    expectRefusesOutOfRange('mixer', 'token_mixing_mlp', (p) => aloneSpec(mixer(p)), 'layers.0.mixer');
  });
});
