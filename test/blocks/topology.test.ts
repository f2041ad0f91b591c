// Topology: sequential, parallel and ladder layers in every placement, hybrid schedules, and
// weight-shared loops, against the float64 reference (which wires residuals from the papers' math).
import { describe, expect, it } from 'vitest';
import { analyse } from '../../workers/analyse';
import { compile } from '../../src/compiler/compile';
import { graphCost } from '../../src/graph/cost';
import { defaultLayer, defaultSpec } from '../../src/spec/defaults';
import { layerSchedule } from '../../src/spec/schedule';
import { validateSpec } from '../../src/spec/schema';
import type { LayerSpec, Spec } from '../../src/spec/types';
import { tokenize } from '../../src/spec/vocab';
import { nodeSessions } from '../helpers';
import { aloneSpec, expectMatchesReference, threeLayerSpec } from './harness';

const TOPOLOGIES = ['sequential', 'parallel', 'ladder'];
const PLACEMENTS: LayerSpec['placement'][] = ['pre', 'post', 'peri'];
const topo = (kind: string) => ({ kind, params: {} });

describe.each(TOPOLOGIES.flatMap((t) => PLACEMENTS.map((p) => [t, p] as const)))('%s, %s', (kind, placement) => {
  it('matches the reference alone and inside a 3-layer model', async () => {
    await expectMatchesReference(aloneSpec({ placement, topology: topo(kind) }));
    await expectMatchesReference(threeLayerSpec({ placement, topology: topo(kind) }));
  });
  it('matches the reference without a feed-forward block', () =>
    expectMatchesReference(threeLayerSpec({ placement, topology: topo(kind), ffn: { kind: 'none', params: {} } })));
});

/** A 4-layer hybrid: every topology, different mixers, norms, feed-forwards and RoPE. */
function hybrid(): Spec {
  const base = aloneSpec({});
  return {
    ...base,
    position: { kind: 'rope', params: { base: 10000, fraction: 1 } },
    layers: [
      { ...defaultLayer(), topology: topo('ladder') },
      { ...defaultLayer(), topology: topo('parallel'), mixer: { kind: 'sliding_window', params: { window: 4 } }, ffn: { kind: 'glu', params: {} } },
      { ...defaultLayer(), topology: topo('ladder'), placement: 'peri', norm: { kind: 'rms_norm', params: {} }, ffn: { kind: 'moe', params: { experts: 3, k: 2 } } },
      { ...defaultLayer(), topology: topo('sequential'), placement: 'post', mixer: { kind: 'retention_decay', params: {} } },
    ],
  };
}

describe('hybrid schedules', () => {
  it('a 4-layer mix of topologies, mixers, norms and feed-forwards matches the reference', () => expectMatchesReference(hybrid()));
});

describe('weight-shared loops', () => {
  const looped = (): Spec => ({ ...hybrid(), loops: [{ start: 1, end: 2, count: 3 }] });

  it('unroll in order: layers 1–2 three times', () => {
    expect(layerSchedule(looped()).map((r) => [r.layer, r.pass])).toEqual([[0, 0], [1, 0], [2, 0], [1, 1], [2, 1], [1, 2], [2, 2], [3, 0]]);
  });

  it('match the reference, with one map per layer run (router probes included)', async () => {
    const out = await expectMatchesReference(looped());
    expect(Object.keys(out).filter((k) => k.startsWith('attn_probs.'))).toHaveLength(8);
    expect(Object.keys(out).filter((k) => k.startsWith('router_probs.')).sort()).toEqual(['router_probs.2', 'router_probs.4', 'router_probs.6']);
    expect(out['resid_rms']!.dims[0]).toBe(9);
  });

  it('share weights: a loop adds compute, not parameters', () => {
    const once = graphCost(compile(hybrid(), { T: 8, mode: 'fast' })).total;
    const thrice = graphCost(compile(looped(), { T: 8, mode: 'fast' })).total;
    expect(thrice.params).toBe(once.params);
    expect(thrice.flops).toBeGreaterThan(once.flops);
  });

  it('reach the views as layer runs', async () => {
    const spec = { ...defaultSpec(), loops: [{ start: 0, end: 1, count: 2 }] };
    const { result, held } = await analyse(await nodeSessions(), { id: 1, spec, tokens: tokenize('loop', 128).ids });
    expect(result.nLayers).toBe(4);
    expect(result.thumbs).toHaveLength(4);
    expect(held.maps).toHaveLength(4);
  });

  it.each([
    [[{ start: 1, end: 5, count: 2 }], 'loops.0: must cover layers start ≤ end < 4, got 1 to 5'],
    [[{ start: 2, end: 1, count: 2 }], 'loops.0: must cover layers start ≤ end < 4, got 2 to 1'],
    [[{ start: 0, end: 1, count: 2 }, { start: 1, end: 2, count: 2 }], 'loops: loops over layers 0–1 and 1–2 overlap'],
    [[{ start: 0, end: 3, count: 9 }], 'loops.0.count: must be a whole number from 2 to 8'],
    [[{ start: 0, end: 3, count: 8 }], null],
  ])('validate %j', (loops, message) => {
    const r = validateSpec({ ...hybrid(), loops });
    if (message === null) expect(r.ok).toBe(true);
    else expect(r.ok ? [] : r.errors).toContain(message);
  });

  it('refuse more than 48 layer runs', () => {
    const spec = { ...hybrid(), layers: Array.from({ length: 12 }, defaultLayer), loops: [{ start: 0, end: 11, count: 5 }] };
    expect(validateSpec(spec)).toEqual({ ok: false, errors: ['loops: the loops make 60 layer runs; at most 48 are allowed'] });
  });
});
