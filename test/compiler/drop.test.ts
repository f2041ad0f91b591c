/**
 * Layer dropping ("What Matters in Transformers? Not All Attention is Needed", He et al. 2024):
 * the similarity probes against a float64 calculation, and a dropped sub-block compiled away.
 */
import { describe, expect, it } from 'vitest';
import { compile } from '../../src/compiler/compile';
import { toOnnxBytes } from '../../src/graph/onnx';
import { defaultLayer, defaultSpec } from '../../src/spec/defaults';
import type { LayerSpec, Spec } from '../../src/spec/types';
import { tokenize } from '../../src/spec/vocab';
import { expectMatchesReference } from '../blocks/harness';
import { nodeRuntime } from '../helpers';

const TEXT = 'Not all attention is needed.';

const small = (layers: LayerSpec[], model: Partial<Spec> = {}): Spec => ({ ...defaultSpec(), dModel: 32, nHeads: 4, maxLen: 64, ...model, layers });

async function run(spec: Spec, mode: 'inspect' | 'fast' = 'inspect') {
  const tokens = tokenize(TEXT, spec.maxLen).ids;
  const graph = compile(spec, { T: tokens.length, mode });
  const model = await (await nodeRuntime()).load(toOnnxBytes(graph));
  try {
    return { out: await model.run(tokens), graph, tokens };
  } finally {
    await model.release();
  }
}

describe('similarity probes', () => {
  const cases: [string, LayerSpec[]][] = [
    ['sequential pre', [defaultLayer(), defaultLayer()]],
    ['post and peri', [{ ...defaultLayer(), placement: 'post' }, { ...defaultLayer(), placement: 'peri' }]],
    ['parallel (pre, post, peri)', (['pre', 'post', 'peri'] as const).map((placement) => ({ ...defaultLayer(), placement, topology: { kind: 'parallel', params: {} } }))],
    ['ladder', [{ ...defaultLayer(), topology: { kind: 'ladder', params: {} } }, { ...defaultLayer(), topology: { kind: 'ladder', params: {} } }]],
  ];
  for (const [what, layers] of cases) {
    it(`${what}: sim_mixer.r and sim_ffn.r match the float64 reference, in both modes`, async () => {
      const out = await expectMatchesReference(small(layers), TEXT);
      for (let r = 0; r < layers.length; r++) for (const part of ['mixer', 'ffn']) expect(out[`sim_${part}.${r}`]!.dims).toEqual([1, tokenize(TEXT, 64).ids.length]);
    });
  }

  it('a sub-block that changes the stream has similarity below 1; the probe is a cosine, within [−1, 1]', async () => {
    const { out } = await run(small([defaultLayer()]));
    for (const name of ['sim_mixer.0', 'sim_ffn.0']) {
      const v = Array.from(out[name]!.data);
      expect(v.every((c) => c >= -1 - 1e-6 && c <= 1 + 1e-6), name).toBe(true);
      expect(Math.min(...v), name).toBeLessThan(0.9999);
    }
  });
});

describe('dropping a sub-block', () => {
  it('a dropped feed-forward compiles to the same graph as ffn "none": same nodes, same logits', async () => {
    const dropped = small([defaultLayer(), { ...defaultLayer(), drop: { ffn: true } }]);
    const none = small([defaultLayer(), { ...defaultLayer(), ffn: { kind: 'none', params: {} } }]);
    for (const mode of ['inspect', 'fast'] as const) {
      const a = await run(dropped, mode);
      const b = await run(none, mode);
      expect(a.graph.nodes.map((n) => n.op)).toEqual(b.graph.nodes.map((n) => n.op));
      expect(Array.from(a.out['logits']!.data)).toEqual(Array.from(b.out['logits']!.data));
      expect(a.graph.initializers.some((i) => i.tensor.name.startsWith('layers.1.ffn.'))).toBe(false);
    }
  });

  it('a dropped mixer leaves no trace: no mixer weights or norm, the stream skips it, matches the float64 reference', async () => {
    const spec = small([{ ...defaultLayer(), drop: { mixer: true } }, defaultLayer()]);
    const { graph, out } = await run(spec);
    const names = graph.initializers.map((i) => i.tensor.name);
    expect(names.some((n) => n.startsWith('layers.0.mixer.') || n.startsWith('layers.0.norm_mixer'))).toBe(false);
    expect(names.some((n) => n.startsWith('layers.1.mixer.'))).toBe(true);
    // Its map is all zeros (it adds nothing), and it has no similarity probe; the ffn's probe stays.
    expect(Math.max(...out['attn_probs.0']!.data.map(Math.abs))).toBe(0);
    expect(out['sim_mixer.0']).toBeUndefined();
    expect(out['sim_ffn.0']).toBeDefined();
    await expectMatchesReference(spec, TEXT);
  });

  it('a dropped mixer in every topology and placement matches the reference; both dropped makes the layer the identity', async () => {
    const layers: LayerSpec[] = [
      { ...defaultLayer(), placement: 'post', drop: { mixer: true } },
      { ...defaultLayer(), topology: { kind: 'parallel', params: {} }, drop: { mixer: true } },
      { ...defaultLayer(), topology: { kind: 'ladder', params: {} }, placement: 'peri', drop: { mixer: true } },
      { ...defaultLayer(), drop: { mixer: true, ffn: true } },
    ];
    const spec = small(layers);
    const out = await expectMatchesReference(spec, TEXT);
    // resid_rms after run 3 equals after run 2: the fully dropped layer passes the stream unchanged.
    const T = tokenize(TEXT, 64).ids.length;
    const rms = out['resid_rms']!.data;
    expect(Array.from(rms.subarray(4 * T, 5 * T))).toEqual(Array.from(rms.subarray(3 * T, 4 * T)));
  });

  it('the weights the dropped model keeps are the full model\'s (weights are drawn per name)', () => {
    const full = compile(small([defaultLayer(), defaultLayer()]), { T: 8, mode: 'fast' });
    const dropped = compile(small([{ ...defaultLayer(), drop: { mixer: true } }, defaultLayer()]), { T: 8, mode: 'fast' });
    const of = (g: typeof full) => new Map(g.initializers.filter((i) => i.data instanceof Float32Array).map((i) => [i.tensor.name, Array.from(i.data as Float32Array)]));
    const a = of(full);
    for (const [name, values] of of(dropped)) if (a.has(name)) expect(values, name).toEqual(a.get(name));
  });

  it('drops inside a weight-shared loop apply to every pass', async () => {
    const spec = small([defaultLayer(), { ...defaultLayer(), drop: { mixer: true } }], { loops: [{ start: 0, end: 1, count: 2 }] });
    const out = await expectMatchesReference(spec, TEXT);
    for (const r of [1, 3]) expect(out[`sim_mixer.${r}`]).toBeUndefined();
    for (const r of [0, 2]) expect(out[`sim_mixer.${r}`]).toBeDefined();
  });

  it('the fast graph of a dropped model has no probe and fewer nodes than the full model', () => {
    const full = compile(small([defaultLayer(), defaultLayer()]), { T: 8, mode: 'fast' });
    const dropped = compile(small([defaultLayer(), { ...defaultLayer(), drop: { mixer: true } }]), { T: 8, mode: 'fast' });
    expect(dropped.outputs.map((o) => o.name)).toEqual(['logits']);
    expect(dropped.nodes.length).toBeLessThan(full.nodes.length);
  });
});

describe('training a dropped model', () => {
  it('its gradients match float64 finite differences of the reference (the dropped weights are simply not there)', async () => {
    const { expectGradientsMatch } = await import('../train/gradcheck');
    const spec: Spec = {
      ...defaultSpec(),
      dModel: 16,
      nHeads: 2,
      maxLen: 16,
      layers: [
        { ...defaultLayer(), drop: { mixer: true } },
        { ...defaultLayer(), topology: { kind: 'ladder', params: {} }, drop: { ffn: true } },
        { ...defaultLayer(), topology: { kind: 'parallel', params: {} }, drop: { mixer: true } },
      ],
    };
    await expectGradientsMatch(spec, { B: 2 });
  }, 300_000);
});
