// The reversible topology (RevNet coupling on two copies of the stream): both paths against the
// float64 reference in every allowed placement, alone, stacked, mixed with other topologies and
// looped; the inputs computed back from the outputs (x₂ = y₂ − G(y₁), x₁ = y₁ − F(x₂)), in float64
// and from the compiled graph's own streams; post-LN refused.
import { describe, expect, it } from 'vitest';
import { compile } from '../../src/compiler/compile';
import { toOnnxBytes } from '../../src/graph/onnx';
import { defaultLayer, defaultSpec } from '../../src/spec/defaults';
import { validateSpec } from '../../src/spec/schema';
import type { LayerSpec, Spec } from '../../src/spec/types';
import { tokenize, VOCAB_SIZE } from '../../src/spec/vocab';
import { expectClose, nodeRuntime, weightsOf } from '../helpers';
import { refContext, type RefContext } from '../reference/context';
import { REFERENCES, referenceForward, type Weights } from '../reference/forward64';
import { mat, type Mat } from '../reference/math';
import { aloneSpec, expectMatchesReference, TEXT, threeLayerSpec } from './harness';

const rev = { kind: 'reversible', params: {} };
const layer = (extra: Partial<LayerSpec> = {}): LayerSpec => ({ ...defaultLayer(), topology: rev, ...extra });
const model = (layers: LayerSpec[], extra: Partial<Spec> = {}): Spec => ({ ...defaultSpec(), dModel: 32, nHeads: 4, maxLen: 64, layers, ...extra });

describe.each(['pre', 'peri'] as const)('reversible, %s', (placement) => {
  it('matches the reference alone and inside a 3-layer model', async () => {
    await expectMatchesReference(aloneSpec({ placement, topology: rev }));
    await expectMatchesReference(threeLayerSpec({ placement, topology: rev }));
  });
  it('matches the reference without a feed-forward block (y₂ = x₂)', () =>
    expectMatchesReference(threeLayerSpec({ placement, topology: rev, ffn: { kind: 'none', params: {} } })));
});

describe('reversible stacks', () => {
  it('three reversible layers pass both streams on; a ladder layer after them reads (y₁ + x₂)/2', () =>
    expectMatchesReference(model([layer(), layer({ norm: { kind: 'rms_norm', params: {} } }), layer({ placement: 'peri', ffn: { kind: 'glu', params: {} } }), { ...defaultLayer(), topology: { kind: 'ladder', params: {} } }])));
  it('a sequential layer between two reversible ones: the second starts from two fresh copies', () =>
    expectMatchesReference(model([layer(), defaultLayer(), layer({ mixer: { kind: 'retention', params: {} } })], { position: { kind: 'rope', params: {} } })));
  it('a dropped mixer or feed-forward leaves its stream unchanged (y₁ = x₁, y₂ = x₂)', async () => {
    await expectMatchesReference(model([layer({ drop: { mixer: true, ffn: false } }), layer()]));
    await expectMatchesReference(model([layer(), layer({ drop: { mixer: false, ffn: true } })]));
  });
  it('loops over reversible layers', () => expectMatchesReference(model([layer(), layer()], { loops: [{ start: 0, end: 1, count: 3 }] })));
  it('inspect mode gives the two streams of each run as rev_streams.<run> [B, T, 2d]', () => {
    const spec = aloneSpec({ topology: rev });
    const graph = compile(spec, { T: 5, mode: 'inspect' });
    expect(graph.outputs.map((o) => o.name)).toContain('rev_streams.0');
    expect(graph.outputs.find((o) => o.name === 'rev_streams.0')!.shape).toEqual([1, 5, 64]);
  });
});

describe('reversible refusals', () => {
  it('refuses post-LN with the reason', () => {
    const r = validateSpec(aloneSpec({ placement: 'post', topology: rev }));
    expect(r).toEqual({
      ok: false,
      errors: ['layers.0.topology: Reversible (two streams): Post-LN normalises the sum x₁ + Mixer(x₂) itself, which cannot be undone; use the pre or peri placement'],
    });
  });
});

// ── inverting: the inputs from the outputs ───────────────────────────────────────────────────────

/** F (the mixer branch) and G (the feed-forward branch) of spec layer `i` at run `r`, in float64. */
function branches(spec: Spec, w: Weights, T: number, i: number, r: number): { F: (u: Mat) => Mat; G: (u: Mat) => Mat } {
  const l = spec.layers[i]!;
  const d = spec.dModel;
  const base = (): Omit<RefContext, 'weight' | 'linear'> => ({
    T, dModel: d, nHeads: spec.nHeads, headDim: d / spec.nHeads, maxLen: spec.maxLen, layer: r, w, probes: new Map(), sigmaReparam: spec.sigmaReparam,
    position: { rotate: (m) => m, bias: () => 0 }, // the models below use NoPE
  });
  const norm = (name: string, u: Mat) => REFERENCES.norm[l.norm.kind]!(refContext(base(), `layers.${i}.${name}`), u, l.norm.params);
  const wrap = (name: string, f: (u: Mat) => Mat) => (u: Mat) => {
    const out = f(norm(`norm_${name}`, u));
    return l.placement === 'peri' ? norm(`norm_${name}_out`, out) : out;
  };
  return {
    F: wrap('mixer', (u) => REFERENCES.mixer[l.mixer.kind]!(refContext(base(), `layers.${i}.mixer`), u, l.mixer.params).y),
    G: wrap('ffn', (u) => REFERENCES.ffn[l.ffn.kind]!(refContext(base(), `layers.${i}.ffn`), u, l.ffn.params)),
  };
}

/** Rows t of [T, 2d] → (first half, second half) as [T, d] matrices. */
function split(streams: ArrayLike<number>, T: number, d: number): [Mat, Mat] {
  const a = mat(T, d);
  const b = mat(T, d);
  for (let t = 0; t < T; t++)
    for (let c = 0; c < d; c++) {
      a.v[t * d + c] = streams[t * 2 * d + c]!;
      b.v[t * d + c] = streams[t * 2 * d + d + c]!;
    }
  return [a, b];
}

const sub = (a: Mat, b: Mat): Mat => mat(a.rows, a.cols, a.v.map((v, k) => v - b.v[k]!));

/** Undoes runs L−1 … 0 from the last run's streams: x₂ = y₂ − G(y₁), x₁ = y₁ − F(x₂). Returns the inputs of every run, first run first. */
function invert(spec: Spec, w: Weights, T: number, last: [Mat, Mat]): [Mat, Mat][] {
  const inputs: [Mat, Mat][] = [];
  let [y1, y2] = last;
  for (let r = spec.layers.length - 1; r >= 0; r--) {
    const { F, G } = branches(spec, w, T, r, r);
    const x2 = sub(y2, G(y1));
    const x1 = sub(y1, F(x2));
    inputs.unshift([x1, x2]);
    [y1, y2] = [x1, x2];
  }
  return inputs;
}

describe('reversible: the inputs are recovered from the outputs', () => {
  const spec = model(
    [layer(), layer({ placement: 'peri', mixer: { kind: 'sliding_window', params: { window: 5 } } }), layer({ ffn: { kind: 'glu', params: {} }, norm: { kind: 'rms_norm', params: {} } })],
    { position: { kind: 'nope', params: {} } },
  );
  const checked = validateSpec(spec);
  if (!checked.ok) throw new Error(checked.errors.join('\n'));
  const s = checked.spec;
  const tokens = tokenize(TEXT, s.maxLen).ids;
  const T = tokens.length;
  const d = s.dModel;
  const graph = compile(s, { T, mode: 'inspect' });
  const w = weightsOf(graph);
  /** The embedded tokens: both streams of the first layer start as this copy (NoPE: nothing added). */
  const embedded = (): Mat => {
    const wte = w('embed.tokens');
    const x = mat(T, d);
    tokens.forEach((tok, t) => x.v.set(wte.subarray(tok * d, (tok + 1) * d), t * d));
    return x;
  };

  it('in float64: every run\'s (x₁, x₂) comes back from the last (y₁, y₂), to rounding', () => {
    const ref = referenceForward(s, w, tokens, VOCAB_SIZE);
    const streams = [0, 1, 2].map((r) => split(ref.probes.get(`rev_streams.${r}`)!, T, d));
    const inputs = invert(s, w, T, streams[2]!);
    const x = embedded();
    expectClose(inputs[0]![0].v, x.v, 1e-9, 'x₁ of run 0 = the embedding');
    expectClose(inputs[0]![1].v, x.v, 1e-9, 'x₂ of run 0 = the embedding');
    for (const r of [1, 2]) {
      expectClose(inputs[r]![0].v, streams[r - 1]![0].v, 1e-9, `x₁ of run ${r} = y₁ of run ${r - 1}`);
      expectClose(inputs[r]![1].v, streams[r - 1]![1].v, 1e-9, `x₂ of run ${r} = y₂ of run ${r - 1}`);
    }
  });

  it('from the compiled graph\'s streams (float32, onnxruntime): the embedding comes back', async () => {
    const model = await (await nodeRuntime()).load(toOnnxBytes(graph));
    const out = await model.run(tokens);
    await model.release();
    const last = split(out['rev_streams.2']!.data, T, d);
    const inputs = invert(s, w, T, last);
    const x = embedded();
    expectClose(inputs[0]![0].v, x.v, 1e-4, 'x₁ of run 0 from the graph = the embedding');
    expectClose(inputs[0]![1].v, x.v, 1e-4, 'x₂ of run 0 from the graph = the embedding');
  });
});
