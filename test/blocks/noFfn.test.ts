import { describe, expect, it } from 'vitest';
import { findBlock } from '../../src/blocks/registry';
import { compile } from '../../src/compiler/compile';
import { graphCost } from '../../src/graph/cost';
import { validateSpec } from '../../src/spec/schema';
import { aloneSpec, expectMatchesReference, threeLayerSpec } from './harness';

const none = { ffn: { kind: 'none', params: {} } };

describe('none (no feed-forward)', () => {
  it('alone: an attention-only layer matches the float64 reference in both modes', () => expectMatchesReference(aloneSpec(none)));

  it('in the middle of a 3-layer model, matches the reference', () => expectMatchesReference(threeLayerSpec(none)));

  it.each(['pre', 'post', 'peri'] as const)('with %s placement, matches the reference', async (placement) => {
    await expectMatchesReference(aloneSpec({ ...none, placement }), 'minimal');
  });

  it('leaves out the feed-forward sub-block with its norm and residual', () => {
    const graph = compile(threeLayerSpec(none), { T: 6, mode: 'inspect' });
    const names = graph.initializers.map((i) => i.tensor.name);
    expect(names.filter((n) => n.startsWith('layers.1.ffn') || n.startsWith('layers.1.norm_ffn'))).toEqual([]);
    expect(names.some((n) => n.startsWith('layers.0.ffn.'))).toBe(true);
    expect(graph.nodes.filter((n) => n.scope.startsWith('layer 1 · ffn'))).toEqual([]);
    const withMlp = graphCost(compile(threeLayerSpec({}), { T: 6, mode: 'inspect' })).total;
    expect(graphCost(graph).total.params).toBeLessThan(withMlp.params);
  });

  it('is absent and its emitter is never to be called', () => {
    const block = findBlock('ffn', 'none')!;
    expect(block.absent).toBe(true);
    expect(() => block.emit(undefined as never, undefined as never, {})).toThrow(/absent/);
  });

  it('takes no parameters', () => {
    expect(validateSpec(aloneSpec({ ffn: { kind: 'none', params: { expansion: 4 } } }))).toEqual({
      ok: false,
      errors: ['layers.0.ffn: None (no feed-forward): unknown parameter "expansion" (it takes none)'],
    });
  });
});
