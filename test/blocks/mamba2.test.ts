// Mamba-2 (SSD): both paths against the float64 recurrence (alone and in a 3-layer model), the
// structure of its implicit map, random parameters, refusals, and the fast path's linear size.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compile } from '../../src/compiler/compile';
import { numel } from '../../src/graph/ir';
import { validateSpec } from '../../src/spec/schema';
import { tokenize } from '../../src/spec/vocab';
import { weightsOf } from '../helpers';
import { mamba2 } from './mamba2.ref';
import { refContext } from '../reference/context';
import { mat } from '../reference/math';
import { aloneSpec, arbitraryParams, expectMatchesReference, TEXT, threeLayerSpec, expectFastMatchesInspect } from './harness';
import { expectRefusesOutOfRange } from './refusal';

const mixer = (params: Record<string, unknown>) => ({ mixer: { kind: 'mamba2', params } });

// TEXT has 37 tokens: chunk 8 does not divide it, 64 and 256 exceed it, 37 is exactly one chunk.
const CASES: Record<string, unknown>[] = [{}, { chunk: 8 }, { chunk: 12, state: 4 }, { chunk: 37, state: 32 }, { chunk: 256, state: 64 }];

describe.each(CASES)('mamba2 %j', (params) => {
  it('matches the float64 recurrence alone, in both modes', () => expectMatchesReference(aloneSpec(mixer(params)), TEXT, 1e-4, 1e-4));
  it('matches the float64 recurrence inside a 3-layer model', () => expectMatchesReference(threeLayerSpec(mixer(params)), TEXT, 1e-4, 1e-4));
});

describe('mamba2 chunk edge cases', () => {
  it.each([
    ['T a multiple of the chunk (32 tokens, chunk 8)', 'abcdefgh'.repeat(4), { chunk: 8 }],
    ['one token', 'a', { chunk: 8 }],
    ['T one more than the chunk', 'abcdefghi', { chunk: 8 }],
    ['64 tokens in chunks of 8 (8 chunks)', 'the quick brown fox jumps over the lazy dog, again and again....', { chunk: 8, state: 8 }],
  ])('%s', async (_, text, params) => {
    await expectMatchesReference(aloneSpec(mixer(params)), text, 1e-4, 1e-4);
  });
});

describe('mamba2 over random parameters', () => {
  it('any parameters in range match the reference in both modes', () =>
    fc.assert(
      // Half the draws take a small chunk, so that most texts span several chunks.
      fc.asyncProperty(arbitraryParams('mamba2').chain((p) => fc.oneof(fc.constant(p), fc.integer({ min: 8, max: 16 }).map((chunk) => ({ ...p, chunk })))), fc.string({ unit: fc.constantFrom(...'abcdefgh ,.'.split('')), minLength: 1, maxLength: 40 }), async (p, text) => {
        await expectMatchesReference(aloneSpec(mixer(p)), text, 1e-4, 1e-4);
      }),
      { numRuns: 8 },
    ));
});

describe('the implicit map of mamba2', () => {
  it('is zero above the diagonal and its diagonal is C_t·B_t·Δ_t + D_h (graph, inspect mode)', async () => {
    const spec = aloneSpec(mixer({ state: 8 }));
    const T = tokenize(TEXT, spec.maxLen).ids.length;
    const out = await expectMatchesReference(spec, TEXT, 1e-4, 1e-4);
    const probs = out['attn_probs.0']!.data;
    for (let h = 0; h < 4; h++)
      for (let t = 0; t < T; t++) {
        for (let s = t + 1; s < T; s++) expect(probs[(h * T + t) * T + s]).toBe(0);
        expect(probs[(h * T + t) * T + t]).not.toBe(0);
      }
  });

  it('the reference recurrence gives A_ts = (C_t·B_s) Δ_s ∏_{r=s+1..t} a_r, + D_h on the diagonal', () => {
    const spec = validateSpec(aloneSpec(mixer({ state: 6 })));
    if (!spec.ok) throw new Error(spec.errors.join());
    const graph = compile(spec.spec, { T: 4, mode: 'fast' });
    const w = weightsOf(graph);
    const T = 11;
    const [d, H, N] = [32, 4, 6];
    const ctx = refContext(
      { T, dModel: d, nHeads: H, headDim: d / H, maxLen: 64, layer: 0, w, probes: new Map(), sigmaReparam: { enabled: false }, position: { rotate: (m) => m, bias: () => 0 } },
      'layers.0.mixer',
    );
    const x = mat(T, d, Float64Array.from({ length: T * d }, (_, i) => Math.sin(1.7 * i) + 0.3 * Math.cos(0.37 * i * i)));
    const { probs } = mamba2(ctx, x, { state: N, chunk: 8 });
    // The closed form, from the weights directly.
    const proj = (name: string, out: number) => ctx.linear(x, out, name, { bias: false });
    const [B, C, dtRaw] = [proj('B', N), proj('C', N), proj('dt', H)];
    const [dtBias, aLog, D] = [ctx.weight('dt_bias'), ctx.weight('A_log'), ctx.weight('D')];
    for (let h = 0; h < H; h++) {
      const delta = Array.from({ length: T }, (_, t) => Math.log(1 + Math.exp(dtRaw.v[t * H + h]! + dtBias[h]!)));
      const a = delta.map((dt) => Math.exp(-Math.exp(aLog[h]!) * dt));
      for (let t = 0; t < T; t++)
        for (let s = 0; s < T; s++) {
          let want = 0;
          if (s <= t) {
            let cb = 0;
            for (let n = 0; n < N; n++) cb += C.v[t * N + n]! * B.v[s * N + n]!;
            let prod = 1;
            for (let r = s + 1; r <= t; r++) prod *= a[r]!;
            want = cb * delta[s]! * prod + (s === t ? D[h]! : 0);
          }
          const got = probs[(h * T + t) * T + s]!;
          expect(Math.abs(got - want), `(${h}, ${t}, ${s})`).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(want)));
        }
    }
  });
});

describe('mamba2 fast path', () => {
  it('is linear in T: at T = 256 with chunk 32 no tensor has 256·256 elements (the 8 × 8 chunk matrix is the only one over chunks)', () => {
    const T = 256;
    const graph = compile(aloneSpec(mixer({ chunk: 32 }), { maxLen: T }), { T, mode: 'fast' });
    const sizes = graph.nodes.flatMap((n) => n.outputs.map((o) => ({ name: o.name, shape: o.shape, n: numel(o.shape) })));
    const big = sizes.filter((s) => s.n >= T * T);
    expect(big).toEqual([]);
    // Nothing of size T × T in any layout: the largest mixer tensors are H · T · chunk (intra-chunk blocks).
    const mixerNodes = graph.nodes.filter((n) => n.scope.includes('mixer: mamba2'));
    expect(Math.max(...mixerNodes.flatMap((n) => n.outputs.map((o) => numel(o.shape))))).toBeLessThanOrEqual(4 * T * 32);
    const inspect = compile(aloneSpec(mixer({ chunk: 32 }), { maxLen: T }), { T, mode: 'inspect' });
    expect(inspect.nodes.some((n) => n.outputs.some((o) => numel(o.shape) >= T * T))).toBe(true);
  });

  it('runs at T = 512 and agrees with the inspect form', async () => {
    const T = 512;
    const spec = aloneSpec(mixer({ chunk: 64 }), { maxLen: T });
    const tokens = tokenize('state space duality. '.repeat(30), T).ids;
    expect(tokens.length).toBe(T);
    await expectFastMatchesInspect(spec, tokens);
  });
});

describe('mamba2 parameters', () => {
  it('defaults to state 16 and chunk 64', () => {
    const r = validateSpec(aloneSpec(mixer({})));
    expect(r.ok && r.spec.layers[0]!.mixer.params).toEqual({ state: 16, chunk: 64 });
  });

  it('refuses parameters out of range, naming block, parameter and range', () => {
    expectRefusesOutOfRange('mixer', 'mamba2', (p) => aloneSpec(mixer(p)), 'layers.0.mixer');
    expect(validateSpec(aloneSpec(mixer({ chunk: 4 })))).toEqual({
      ok: false,
      errors: ['layers.0.mixer: Mamba-2 (selective state space): parameter "chunk" must be a whole number from 8 to 256, got 4'],
    });
    expect(validateSpec(aloneSpec(mixer({ state: 65 })))).toEqual({
      ok: false,
      errors: ['layers.0.mixer: Mamba-2 (selective state space): parameter "state" must be a whole number from 4 to 64, got 65'],
    });
    expect(validateSpec(aloneSpec(mixer({ causal: false })))).toEqual({
      ok: false,
      errors: ['layers.0.mixer: Mamba-2 (selective state space): unknown parameter "causal" (known: state, chunk)'],
    });
  });

  it('has bias-free projections, a per-head Δ bias, A_log and D', () => {
    const graph = compile(aloneSpec(mixer({ state: 8 })), { T: 4, mode: 'fast' });
    const weights = graph.initializers.filter((i) => i.trainable && i.tensor.name.startsWith('layers.0.mixer.'));
    expect(Object.fromEntries(weights.map((w) => [w.tensor.name, w.tensor.shape]))).toEqual({
      'layers.0.mixer.wx': [32, 32],
      'layers.0.mixer.wz': [32, 32],
      'layers.0.mixer.wB': [32, 8],
      'layers.0.mixer.wC': [32, 8],
      'layers.0.mixer.dt_bias': [4],
      'layers.0.mixer.wdt': [32, 4],
      'layers.0.mixer.A_log': [4],
      'layers.0.mixer.D': [4],
      'layers.0.mixer.wo': [32, 32],
    });
  });
});
