import { describe, expect, it } from 'vitest';
import { compile } from '../../src/compiler/compile';
import { graphCost } from '../../src/graph/cost';
import { graphScopes, passThroughGraph, scopeName, scopeSubgraph } from '../../src/graph/subgraph';
import { findPreset } from '../../src/presets';
import { defaultSpec } from '../../src/spec/defaults';

describe('a block as a graph of its own', () => {
  it('splits the fast graph into its blocks: every node once, every input read from another block, every output used', () => {
    for (const spec of ['default', 'llama-style', 'alibi', 'mamba-hybrid', 'looped'].map((id) => findPreset(id)!.spec())) {
      const g = compile(spec, { T: 16, mode: 'fast' });
      const scopes = graphScopes(g);
      // The same blocks the cost model lists (it also lists scopes that hold only weights).
      expect(graphCost(g).byScope.map((s) => s.scope)).toEqual(expect.arrayContaining(scopes));
      const producer = new Map(g.nodes.flatMap((n) => n.outputs.map((t) => [t.name, scopeName(n.scope)] as const)));
      const weights = new Set(g.initializers.map((i) => i.tensor.name));
      let nodes = 0;
      for (const scope of scopes) {
        const sub = scopeSubgraph(g, scope)!;
        expect(sub, scope).not.toBeNull();
        nodes += sub.nodes.length;
        expect(sub.nodes.every((n) => scopeName(n.scope) === scope)).toBe(true);
        for (const t of sub.inputs) {
          expect(weights.has(t.name), `${scope}: ${t.name} is a weight, not an input`).toBe(false);
          expect(t.name === 'tokens' || (producer.has(t.name) && producer.get(t.name) !== scope), `${scope}: input ${t.name}`).toBe(true);
        }
        const readElsewhere = new Set([...g.nodes.filter((n) => scopeName(n.scope) !== scope).flatMap((n) => n.inputs.map((t) => t.name)), 'logits']);
        for (const t of sub.outputs) expect(readElsewhere.has(t.name), `${scope}: output ${t.name}`).toBe(true);
        const used = new Set(sub.nodes.flatMap((n) => n.inputs.map((t) => t.name)));
        expect(sub.initializers.every((i) => used.has(i.tensor.name))).toBe(true);
      }
      expect(nodes).toBe(g.nodes.length);
    }
  });

  it('names the blocks of the default model by layer and slot', () => {
    const scopes = graphScopes(compile(defaultSpec(), { T: 8, mode: 'fast' }));
    expect(scopes).toEqual(expect.arrayContaining(['embedding', 'position: learned_absolute', 'layer 0 · mixer: softmax_attention', 'layer 1 · ffn: mlp', 'layer 0', 'final · norm: layer_norm', 'unembedding']));
    const mixer = scopeSubgraph(compile(defaultSpec(), { T: 8, mode: 'fast' }), 'layer 0 · mixer: softmax_attention')!;
    expect(mixer.inputs.map((t) => t.shape)).toEqual([[1, 8, 64]]);
    expect(mixer.outputs.map((t) => t.shape)).toEqual([[1, 8, 64]]);
    expect(scopeSubgraph(compile(defaultSpec(), { T: 8, mode: 'fast' }), 'no such block')).toBeNull();
  });

  it('builds the emptiest graph that still does work: one input, one Add', () => {
    const g = passThroughGraph([1, 4, 64]);
    expect(g.inputs.map((t) => t.shape)).toEqual([[1, 4, 64]]);
    expect(g.nodes.map((n) => n.op)).toEqual(['Add', 'Identity']);
  });
});
