// MatFormer's nested FFN (Devvrit et al., 2023): every granularity against the float64 reference,
// a sub-model equal to an MLP holding the first m units' weights, and training by turns: the
// training step's loss and gradient at step s are those of granularity (s − 1) mod 4.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compile } from '../../src/compiler/compile';
import { GRANULARITIES, nestedWidths } from '../../src/blocks/matformer';
import { toOnnxBytes } from '../../src/graph/onnx';
import { bakeWeights } from '../../src/train/bake';
import { gradGraph } from '../../src/train/step';
import { validateSpec } from '../../src/spec/schema';
import type { Spec } from '../../src/spec/types';
import { tokenize } from '../../src/spec/vocab';
import { expectClose, nodeRuntime } from '../helpers';
import { expectGradientsMatch, feedsOf, randomBatch, referenceLoss } from '../train/gradcheck';
import { session } from '../train/run';
import { aloneSpec, arbitraryParams, expectMatchesReference, TEXT, threeLayerSpec } from './harness';
import { expectRefusesOutOfRange } from './refusal';

const mat = (params: Record<string, unknown>) => ({ ffn: { kind: 'matformer', params } });
const parsed = (spec: Spec): Spec => {
  const r = validateSpec(spec);
  if (!r.ok) throw new Error(r.errors.join('\n'));
  return r.spec;
};

describe('matformer', () => {
  it.each(GRANULARITIES)('granularity %s: alone and in a 3-layer model, matches the float64 reference in both modes', async (granularity) => {
    await expectMatchesReference(aloneSpec(mat({ granularity, expansion: 2 })));
    await expectMatchesReference(threeLayerSpec(mat({ granularity, activation: 'relu2' })));
  });

  it('any parameters in range match the reference', () =>
    fc.assert(fc.asyncProperty(arbitraryParams('matformer'), async (p) => { await expectMatchesReference(aloneSpec(mat(p))); }), { numRuns: 6 }));

  it('nests h/8, h/4, h/2, h hidden units (rounded down, at least 1)', () => {
    expect(nestedWidths(128)).toEqual([16, 32, 64, 128]);
    expect(nestedWidths(12)).toEqual([1, 3, 6, 12]);
    expect(nestedWidths(4)).toEqual([1, 1, 2, 4]);
  });

  it('a smaller granularity computes only its units: the fast graph\'s first projection is [d, m]', () => {
    const g = compile(aloneSpec(mat({ granularity: 'M', expansion: 4 })), { T: 4, mode: 'fast' });
    const sliced = g.nodes.filter((n) => n.op === 'MatMul' && n.scope.includes('ffn: matformer')).map((n) => n.outputs[0]!.shape.at(-1));
    expect(sliced).toEqual([32, 32]); // h = 128, M = h/4 = 32 units; then back to d = 32
  });

  it('refuses parameters out of range, naming block, parameter and range', () => {
    expectRefusesOutOfRange('ffn', 'matformer', (p) => aloneSpec(mat(p)));
  });

  it.each(GRANULARITIES)('sub-model %s equals an MLP holding the first m units\' weights', async (granularity) => {
    // d = 32, expansion 8: h = 256 and m = 32, 64, 128, 256 = 1, 2, 4, 8 × d, widths an MLP can have.
    const spec = parsed(threeLayerSpec(mat({ granularity, expansion: 8, activation: 'silu' })));
    const weights = new Map(compile(spec, { T: 4, mode: 'fast' }).initializers.filter((i) => i.trainable).map((i) => [i.tensor.name, i.data as Float32Array]));
    for (const [n, v] of weights) if (n.startsWith('layers.1.ffn.b')) v.forEach((_, k) => (v[k] = Math.sin(k + 1) * 0.3)); // biases matter too
    const h = 256;
    const m = nestedWidths(h)[GRANULARITIES.indexOf(granularity)]!;
    const mlpSpec = parsed({ ...spec, layers: spec.layers.map((l, i) => (i === 1 ? { ...l, ffn: { kind: 'mlp', params: { activation: 'silu', expansion: m / 32 } } } : l)) });
    const first = new Map(weights);
    const w1 = weights.get('layers.1.ffn.w1')!;
    const w2 = weights.get('layers.1.ffn.w2')!;
    first.set('layers.1.ffn.w1', Float32Array.from({ length: 32 * m }, (_, i) => w1[Math.floor(i / m) * h + (i % m)]!)); // [d, m] of [d, h]
    first.set('layers.1.ffn.b1', weights.get('layers.1.ffn.b1')!.slice(0, m));
    first.set('layers.1.ffn.w2', w2.slice(0, m * 32)); // the first m rows of [h, d]
    const tokens = tokenize(TEXT, spec.maxLen).ids;
    const rt = await nodeRuntime();
    const logits = async (s: Spec, w: Map<string, Float32Array>) => {
      const model = await rt.load(toOnnxBytes(bakeWeights(s, { T: tokens.length, mode: 'fast' }, w)));
      try { return (await model.run(tokens))['logits']!.data as Float32Array; } finally { await model.release(); }
    };
    expectClose(await logits(spec, weights), await logits(mlpSpec, first), 1e-5, `MatFormer ${granularity} vs MLP of its first ${m} units`);
  });
});

describe('matformer training: the granularities take turns', () => {
  const spec = parsed(aloneSpec(mat({ expansion: 2 }), { dModel: 16, nHeads: 2, maxLen: 16 }));
  const T = 8;
  const B = 2;
  const at = (granularity: string): Spec => parsed({ ...spec, layers: [{ ...spec.layers[0]!, ffn: { kind: 'matformer', params: { ...spec.layers[0]!.ffn.params, granularity } } }] });

  it('step s trains granularity (s − 1) mod 4: its loss is that sub-model\'s, S, M, L, XL, S, …', async () => {
    const graph = gradGraph(spec, { T, batch: B }, { aux: false, training: true });
    expect(graph.inputs.map((t) => t.name)).toContain('step');
    const s = await session(graph);
    const batch = randomBatch(B, T, 3);
    const weights = new Map(compile(spec, { T, mode: 'fast' }).initializers.filter((i) => i.trainable).map((i) => [i.tensor.name, Float64Array.from(i.data as Float32Array)]));
    const w = (n: string) => weights.get(n)!;
    const losses = GRANULARITIES.map((g) => referenceLoss(at(g), w, batch));
    expect(new Set(losses.map((l) => l.toFixed(6))).size).toBe(4); // the sub-models differ
    for (let step = 1; step <= 6; step++) {
      const out = await s.run({ ...feedsOf(batch), step: Float32Array.of(step) });
      expect(out['loss']!.data[0]).toBeCloseTo(losses[(step - 1) % 4]!, 4);
    }
    await s.release();
  });

  it.each([1, 2, 3, 4])('the gradient at step %i is that of its granularity', async (step) => {
    const g = GRANULARITIES[(step - 1) % 4]!;
    await expectGradientsMatch(spec, { T, B, step, reference: (_s, w, batch) => referenceLoss(at(g), w, batch) });
  }, 300_000);
});
