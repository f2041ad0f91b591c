// PoNet: both paths against the float64 reference, whose map's GA part is measured by finite differences
// (alone and in a 3-layer model), no future leak when causal, linear size when bidirectional,
// refusals.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compile } from '../../src/compiler/compile';
import { numel } from '../../src/graph/ir';
import { validateSpec } from '../../src/spec/schema';
import { tokenize } from '../../src/spec/vocab';
import { aloneSpec, arbitraryParams, expectFastMatchesInspect, expectMatchesReference, runGraph, TEXT, threeLayerSpec } from './harness';
import { expectRefusesOutOfRange } from './refusal';

const mixer = (params: Record<string, unknown>) => ({ mixer: { kind: 'ponet', params } });

const CASES: Record<string, unknown>[] = [{}, { causal: false }, { segment: 5, window: 4 }, { segment: 2, window: 5, causal: false }, { segment: 32, window: 15 }];

describe.each(CASES)('ponet %j', (params) => {
  it('matches the float64 reference (map: GA by finite differences, max by its derivative) alone, in both modes', () => expectMatchesReference(aloneSpec(mixer(params)), TEXT, 1e-4, 1e-5));
  it('matches the float64 reference inside a 3-layer model', () => expectMatchesReference(threeLayerSpec(mixer(params)), TEXT, 1e-4, 1e-5));
});

describe('ponet', () => {
  it('any parameters in range match the reference in both modes', () =>
    fc.assert(
      fc.asyncProperty(arbitraryParams('ponet').filter((p) => validateSpec(aloneSpec(mixer(p))).ok), async (p) => {
        await expectMatchesReference(aloneSpec(mixer(p)), 'pool it, all of it!', 1e-4, 1e-5);
      }),
      { numRuns: 6 },
    ));

  it.each([{}, { causal: false }])('ties (a repeated letter, no position embedding: equal features) split the argmax share 1/k, as the gradient of ReduceMax does (%j)', async (params) => {
    await expectMatchesReference(aloneSpec({ ...mixer({ ...params, segment: 4, window: 3 }), position: { kind: 'nope', params: {} } }), 'aaaa bbb aa', 1e-4, 1e-5);
  });

  it.each(['a', 'ab'])('runs on very short text %j', async (text) => {
    await expectMatchesReference(aloneSpec(mixer({ causal: false, window: 15 })), text, 1e-4, 1e-5);
  });

  it('causal: changing later tokens changes no earlier output or map row (no future leak), in both modes', async () => {
    const spec = aloneSpec(mixer({ segment: 4, window: 3 }));
    const a = tokenize('abcdefghijkl', spec.maxLen).ids;
    const b = tokenize('abcdefgXYZWV', spec.maxLen).ids;
    const T = a.length;
    for (const mode of ['fast', 'inspect'] as const) {
      const oa = await runGraph(spec, a, mode);
      const ob = await runGraph(spec, b, mode);
      const V = oa['logits']!.data.length / T;
      expect(Array.from(ob['logits']!.data.subarray(0, 7 * V))).toEqual(Array.from(oa['logits']!.data.subarray(0, 7 * V)));
      expect(Array.from(ob['logits']!.data.subarray(7 * V))).not.toEqual(Array.from(oa['logits']!.data.subarray(7 * V)));
      if (mode === 'inspect') {
        const pa = oa['attn_probs.0']!.data;
        const pb = ob['attn_probs.0']!.data;
        for (let h = 0; h < spec.nHeads; h++)
          for (let i = 0; i < T; i++)
            for (let j = 0; j < T; j++) {
              if (j > i) expect(pa[(h * T + i) * T + j]).toBe(0);
              if (i < 7) expect(pb[(h * T + i) * T + j]).toBe(pa[(h * T + i) * T + j]);
            }
      }
    }
  });

  it('bidirectional fast path is linear in T: at T = 256 no tensor has 256·256 elements, and it agrees with inspect', async () => {
    const T = 256;
    const spec = aloneSpec(mixer({ causal: false, segment: 16, window: 7 }), { maxLen: T });
    const graph = compile(spec, { T, mode: 'fast' });
    const big = graph.nodes.flatMap((n) => n.outputs.filter((o) => numel(o.shape) >= T * T).map((o) => `${n.op} ${o.shape}`));
    expect(big).toEqual([]);
    await expectFastMatchesInspect(spec, tokenize('segments, windows and one global summary. '.repeat(7), T).ids);
  });
});

describe('ponet parameters', () => {
  it('defaults to causal, segments of 8, window 3', () => {
    const r = validateSpec(aloneSpec(mixer({})));
    expect(r.ok && r.spec.layers[0]!.mixer.params).toEqual({ causal: true, segment: 8, window: 3 });
  });

  it('refuses parameters out of range, and an even window when bidirectional', () => {
    expectRefusesOutOfRange('mixer', 'ponet', (p) => aloneSpec(mixer(p)), 'layers.0.mixer');
    expect(validateSpec(aloneSpec(mixer({ causal: false, window: 4 })))).toEqual({
      ok: false,
      errors: ['layers.0.mixer: PoNet (multi-granularity pooling): parameter "window" must be odd when bidirectional (a centred window), got 4'],
    });
  });
});
