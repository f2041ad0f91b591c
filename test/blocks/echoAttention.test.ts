// EchoAtt: a mixer that copies an earlier layer run's attention probabilities and applies them to
// its own values. Both paths against the float64 reference (relative and absolute sources, under
// loops, GQA and ALiBi sources, a chain of copies), the copied map equal to its source's, no Q/K
// weights, and refusals (no earlier run, a source without probabilities, post-LN unaffected).
import { describe, expect, it } from 'vitest';
import { BLOCKS } from '../../src/blocks/registry';
import { compile } from '../../src/compiler/compile';
import { defaultLayer, defaultSpec } from '../../src/spec/defaults';
import { mapSources } from '../../src/spec/mapSharing';
import { validateSpec } from '../../src/spec/schema';
import type { LayerSpec, Spec } from '../../src/spec/types';
import { aloneSpec, expectMatchesReference, TEXT } from './harness';
import { expectRefusesOutOfRange } from './refusal';

const echo = (from?: number): LayerSpec['mixer'] => ({ kind: 'echo_attention', params: from === undefined ? {} : { from } });
const layer = (mixer?: LayerSpec['mixer'], extra: Partial<LayerSpec> = {}): LayerSpec => ({ ...defaultLayer(), ...(mixer ? { mixer } : {}), ...extra });
const model = (layers: LayerSpec[], extra: Partial<Spec> = {}): Spec => ({ ...defaultSpec(), dModel: 32, nHeads: 4, maxLen: 64, layers, ...extra });

const CASES: [string, Spec][] = [
  ['alone after one attention layer (from −1)', aloneSpec({ mixer: echo() })],
  ['two back (from −2), past a linear-attention layer', model([layer(), layer({ kind: 'linear_attention', params: {} }), layer(echo(-2))])],
  ['absolute (from 0), bidirectional GQA source', model([layer({ kind: 'softmax_attention', params: { causal: false, kvHeads: 2 } }), layer(), layer(echo(0), { placement: 'peri' })])],
  ['a chain: copy of a copy', model([layer({ kind: 'sliding_window', params: { window: 3 } }), layer(echo(-1)), layer(echo(-1), { ffn: { kind: 'none', params: {} } })])],
  ['ALiBi source, post-LN and parallel echo layer', model([layer(), layer(echo(-1), { placement: 'post', topology: { kind: 'parallel', params: {} } })], { position: { kind: 'alibi', params: {} } })],
  ['inside a loop: −1 is another run on each pass', model([layer(), layer(echo(-1)), layer()], { loops: [{ start: 0, end: 1, count: 2 }] })],
  ['ProbSparse source: its fast path builds no map, so it runs its inspect form', model([layer({ kind: 'prob_sparse', params: {} }), layer(echo())])],
  ['shifted-window source, copied two layers on', model([layer({ kind: 'shifted_window', params: {} }), layer(), layer(echo(0))])],
  ['inside a loop: absolute source in the loop', model([layer(), layer({ kind: 'power_softmax', params: {} }), layer(echo(1))], { loops: [{ start: 1, end: 2, count: 3 }] })],
];

describe.each(CASES)('echo attention: %s', (_name, spec) => {
  it('matches the float64 reference in both modes; its map is its source\'s', async () => {
    const out = await expectMatchesReference(spec, TEXT, 1e-4, 1e-5);
    const checked = validateSpec(spec);
    if (!checked.ok) throw new Error(checked.errors.join('\n'));
    mapSources(checked.spec).forEach((s, r) => {
      if (s !== null) expect(Array.from(out[`attn_probs.${r}`]!.data)).toEqual(Array.from(out[`attn_probs.${s}`]!.data));
    });
  });
});

describe('echo attention sources', () => {
  it('resolve per run, loops unrolled', () => {
    const looped = model([layer(), layer(echo(-1)), layer(echo(0))], { loops: [{ start: 0, end: 2, count: 2 }] });
    // runs: 0 1 2 | 3 4 5 (layers 0 1 2 twice); run 1 copies 0, run 2 copies layer 0's latest run (0); 4 ← 3, 5 ← 3.
    expect(mapSources(looped)).toEqual([null, 0, 0, null, 3, 3]);
  });

  it('every mixer with an explicit map can be the source, in both modes', () => {
    const explicit = BLOCKS.filter((b) => b.slot === 'mixer' && b.map === 'explicit' && !b.copiesMap);
    expect(explicit.length).toBeGreaterThan(5);
    for (const b of explicit) {
      const checked = validateSpec(model([layer({ kind: b.kind, params: {} }), layer(echo())]));
      expect(checked.ok, b.kind).toBe(true);
      if (!checked.ok) continue;
      for (const mode of ['fast', 'inspect'] as const) {
        const graph = compile(checked.spec, { T: 16, mode });
        expect(graph.outputs.map((o) => o.name), `${b.kind} ${mode}`).toContain('logits');
      }
    }
  });

  it('the copying layer has values and an output, no queries or keys', () => {
    const graph = compile(aloneSpec({ mixer: echo() }), { T: 4, mode: 'fast' });
    const names = graph.initializers.filter((i) => i.trainable && i.tensor.name.startsWith('layers.1.mixer.')).map((i) => i.tensor.name).sort();
    expect(names).toEqual(['layers.1.mixer.bo', 'layers.1.mixer.bv', 'layers.1.mixer.wo', 'layers.1.mixer.wv']);
  });
});

describe('echo attention refusals', () => {
  const errors = (spec: Spec) => {
    const r = validateSpec(spec);
    return r.ok ? [] : r.errors;
  };

  it('refuses "from" out of range, naming block, parameter and range', () => {
    expectRefusesOutOfRange('mixer', 'echo_attention', (p) => aloneSpec({ mixer: { kind: 'echo_attention', params: p } }), 'layers.1.mixer');
  });

  it('refuses a first layer (nothing before it) with the reason', () => {
    expect(errors(model([layer(echo())]))).toEqual([
      'layers.0.mixer: Shared attention map (EchoAtt): parameter "from" (-1) names no earlier layer: there is no layer run 1 before layer 0 (it is run 1 of the stack)',
    ]);
    expect(errors(model([layer(), layer(echo(-3))]))[0]).toMatch(/there is no layer run 3 before layer 1/);
  });

  it('refuses an absolute layer that does not run before it', () => {
    expect(errors(model([layer(), layer(echo(1))]))).toEqual(['layers.1.mixer: Shared attention map (EchoAtt): parameter "from" (1) names no earlier layer: layer 1 does not run before layer 1']);
    expect(errors(model([layer(), layer(echo(2)), layer()]))[0]).toMatch(/layer 2 does not run before layer 1/);
  });

  it('refuses a source whose map is not attention probabilities (implicit maps)', () => {
    expect(errors(model([layer({ kind: 'mamba2', params: {} }), layer(echo())]))).toEqual([
      'layers.1.mixer: Shared attention map (EchoAtt): parameter "from" (-1) names layer 0, whose mixer (Mamba-2 (selective state space)) has no attention probabilities to copy: its map is implicit, not explicit',
    ]);
  });

  it('refuses a source whose mixer is dropped, and checks nothing for a dropped copier', () => {
    expect(errors(model([{ ...layer(), drop: { mixer: true, ffn: false } }, layer(echo())]))).toEqual([
      'layers.1.mixer: Shared attention map (EchoAtt): parameter "from" (-1) names layer 0, whose mixer is dropped: it computes no attention map to copy',
    ]);
    expect(errors(model([{ ...layer(echo()), drop: { mixer: true, ffn: false } }, layer()]))).toEqual([]);
  });

  it('refuses a loop whose first pass has no source, though later passes would', () => {
    // Layer 0 copies "−1": on pass 1 that is layer 1 of pass 0, but on pass 0 nothing runs before it.
    expect(errors(model([layer(echo()), layer()], { loops: [{ start: 0, end: 1, count: 2 }] }))[0]).toMatch(/no layer run 1 before layer 0/);
  });
});
