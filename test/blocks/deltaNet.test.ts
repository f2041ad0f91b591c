// DeltaNet (delta rule): both paths against the float64 recurrence (alone and in a 3-layer model),
// chunk sizes that do and do not divide T, the structure of the implicit map and the delta rule's
// overwriting, random parameters, refusals, and the fast path's linear size.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compile } from '../../src/compiler/compile';
import { numel } from '../../src/graph/ir';
import { validateSpec } from '../../src/spec/schema';
import { tokenize } from '../../src/spec/vocab';
import { weightsOf } from '../helpers';
import { deltaNet, deltaRuleHead } from './deltaNet.ref';
import { refContext } from '../reference/context';
import { mat } from '../reference/math';
import { aloneSpec, arbitraryParams, expectMatchesReference, TEXT, threeLayerSpec, expectFastMatchesInspect } from './harness';
import { expectRefusesOutOfRange } from './refusal';

const KIND = 'deltanet';
const mixer = (params: Record<string, unknown>) => ({ mixer: { kind: KIND, params } });

// TEXT has 37 tokens: chunk 8, 12 and 16 leave a partial last chunk (12 is not a power of two, so
// the chunk is padded inside for the inverse), 37 is exactly one chunk, 64 and 256 exceed T.
const CASES: Record<string, unknown>[] = [{}, { chunk: 8 }, { chunk: 12 }, { chunk: 16 }, { chunk: 37 }, { chunk: 256 }];

describe.each(CASES)('deltanet %j', (params) => {
  it('alone: matches the float64 recurrence in both modes, fast = inspect to 1e-4', () => expectMatchesReference(aloneSpec(mixer(params)), TEXT, 1e-4, 1e-4));
  it('inside a 3-layer model: matches the reference', () => expectMatchesReference(threeLayerSpec(mixer(params)), TEXT, 1e-4, 1e-4));
});

describe('deltanet chunk edge cases', () => {
  it.each([
    ['one token', 'a', { chunk: 8 }],
    ['T a multiple of the chunk (32 tokens, chunk 8)', 'abcdefgh'.repeat(4), { chunk: 8 }],
    ['T one more than the chunk', 'abcdefghi', { chunk: 8 }],
    ['one repeated token (identical keys)', 'a'.repeat(40), { chunk: 8 }],
    ['64 tokens in chunks of 9', 'the quick brown fox jumps over the lazy dog, again and again....', { chunk: 9 }],
  ])('%s', async (_, text, params) => {
    await expectMatchesReference(aloneSpec(mixer(params)), text, 1e-4, 1e-4);
  });
});

describe('deltanet over random parameters', () => {
  it('any parameters in range match the reference in both modes', () =>
    fc.assert(
      // Half the draws take a small chunk, so that most texts span several chunks.
      fc.asyncProperty(arbitraryParams(KIND).chain((p) => fc.oneof(fc.constant(p), fc.integer({ min: 8, max: 16 }).map((chunk) => ({ ...p, chunk })))), fc.string({ unit: fc.constantFrom(...'abcdefgh ,.'.split('')), minLength: 1, maxLength: 40 }), async (p, text) => {
        await expectMatchesReference(aloneSpec(mixer(p)), text, 1e-4, 1e-4);
      }),
      { numRuns: 6 },
    ));
});

/** A reference context over explicit weights (by full name), for a block under layers.0.mixer. */
function ctxOf(T: number, d: number, H: number, w: (name: string) => Float64Array) {
  return refContext(
    { T, dModel: d, nHeads: H, headDim: d / H, maxLen: 64, layer: 0, w, probes: new Map(), sigmaReparam: { enabled: false }, position: { rotate: (m) => m, bias: () => 0 } },
    'layers.0.mixer',
  );
}

describe('the implicit map of deltanet', () => {
  it('is zero above the diagonal and non-zero on it (graph, inspect mode)', async () => {
    const spec = aloneSpec(mixer({ chunk: 8 }));
    const T = tokenize(TEXT, spec.maxLen).ids.length;
    const out = await expectMatchesReference(spec, TEXT, 1e-4, 1e-4);
    const probs = out['attn_probs.0']!.data;
    for (let h = 0; h < 4; h++)
      for (let t = 0; t < T; t++) {
        for (let s = t + 1; s < T; s++) expect(probs[(h * T + t) * T + s], `(${h}, ${t}, ${s})`).toBe(0);
        expect(probs[(h * T + t) * T + t]).not.toBe(0);
      }
  });

  it('the reference recurrence gives A_ts = β_s k_sᵀ ∏_{r=s+1..t}(I − β_r k_r k_rᵀ) q_t', () => {
    const spec = validateSpec(aloneSpec(mixer({})));
    if (!spec.ok) throw new Error(spec.errors.join());
    const w = weightsOf(compile(spec.spec, { T: 4, mode: 'fast' }));
    const [T, d, H] = [11, 32, 4];
    const hd = d / H;
    const ctx = ctxOf(T, d, H, w);
    const x = mat(T, d, Float64Array.from({ length: T * d }, (_, i) => Math.sin(1.7 * i) + 0.3 * Math.cos(0.37 * i * i)));
    const { probs } = deltaNet(ctx, x, { chunk: 64 });
    // The product formula, from the weights directly.
    const proj = (name: string, out: number) => ctx.linear(x, out, name, { bias: false });
    const [q, k, braw] = [proj('q', d), proj('k', d), proj('beta', H)];
    const unit = (m: typeof q, t: number, h: number) => {
      const r = Array.from({ length: hd }, (_, c) => m.v[t * d + h * hd + c]!);
      const n = Math.sqrt(r.reduce((a, c) => a + c * c, 0) + 1e-6);
      return r.map((c) => c / n);
    };
    for (let h = 0; h < H; h++)
      for (let t = 0; t < T; t++)
        for (let s = 0; s < T; s++) {
          let want = 0;
          if (s <= t) {
            // row vector β_s k_sᵀ times (I − β_r k_r k_rᵀ) for r = s+1..t, then · q_t
            const beta = (r: number) => 1 / (1 + Math.exp(-braw.v[r * H + h]!));
            let g = unit(k, s, h).map((c) => c * beta(s));
            for (let r = s + 1; r <= t; r++) {
              const kr = unit(k, r, h);
              const gk = g.reduce((a, c, i) => a + c * kr[i]!, 0);
              g = g.map((c, i) => c - beta(r) * gk * kr[i]!);
            }
            want = g.reduce((a, c, i) => a + c * unit(q, t, h)[i]!, 0);
          }
          const got = probs[(h * T + t) * T + s]!;
          expect(Math.abs(got - want), `(${h}, ${t}, ${s})`).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(want)));
        }
  });

  it('the delta rule overwrites: with β = 1, a new value under the same key replaces the old one (reference)', () => {
    // One head, d = 4: k (= q) reads x's first two coordinates, v its last two; β = σ(40 · x_0) = 1.
    const [T, d] = [3, 4];
    const weights: Record<string, number[]> = {
      // row-major [in, out]: k = q = (x_0, x_1, 0, 0), v = (0, 0, x_2, x_3), o = identity
      wq: [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
      wk: [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
      wv: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1],
      wo: [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1],
      wbeta: [40, 40, 0, 0],
    };
    const ctx = ctxOf(T, d, 1, (name) => Float64Array.from(weights[name.replace('layers.0.mixer.', '')]!));
    // token 0: key e0, value (3, 0); token 1: same key, value (0, 5); token 2: key e1, value (7, 0)
    const x = mat(T, d, Float64Array.from([1, 0, 3, 0, 1, 0, 0, 5, 0, 1, 7, 0]));
    const { y, probs } = deltaNet(ctx, x, { chunk: 64 });
    const out = (t: number) => Array.from(y.v.subarray(t * d, t * d + d));
    const close = (a: number[], b: number[]) => a.forEach((v, i) => expect(v).toBeCloseTo(b[i]!, 4));
    close(out(0), [0, 0, 3, 0]); // reads back v_0 (to within the 1e-6 in the key norm)
    close(out(1), [0, 0, 0, 5]); // v_0 is gone: linear attention would give (3, 5)
    close(out(2), [0, 0, 7, 0]); // an orthogonal key: v_2 is stored beside v_1, and q_2 = e1 reads only v_2
    expect(probs[1 * T + 0]).toBeCloseTo(0, 4); // token 1 takes nothing from token 0
    expect(probs[1 * T + 1]).toBeCloseTo(1, 4);
  });

  it('with β = 1 and orthonormal keys it is a lookup: each query reads the last value written under its key', () => {
    // Direct check of the recurrence helper with hand-made unit keys.
    const e = (i: number) => [0, 1, 2].map((c) => (c === i ? 1 : 0));
    const keys = [e(0), e(1), e(0), e(2), e(1)];
    const vals = [[1], [2], [3], [4], [5]];
    const T = keys.length;
    const K = mat(T, 3, Float64Array.from(keys.flat()));
    const { out, map } = deltaRuleHead(K, K, mat(T, 1, Float64Array.from(vals.flat())), new Array(T).fill(1));
    expect(Array.from(out.v)).toEqual([1, 2, 3, 4, 5]);
    // Query 4 (key e1) reads token 4 only; token 1 was overwritten. Query 2 (key e0) reads token 2, not token 0.
    expect(Array.from(map.subarray(4 * T, 5 * T))).toEqual([0, 0, 0, 0, 1]);
    expect(Array.from(map.subarray(2 * T, 3 * T))).toEqual([0, 0, 1, 0, 0]);
  });
});

describe('deltanet fast path', () => {
  it('is linear in T: at T = 256 with chunk 32 no tensor of the fast graph has 256·256 elements', () => {
    const T = 256;
    const spec = aloneSpec(mixer({ chunk: 32 }), { maxLen: T });
    const fast = compile(spec, { T, mode: 'fast' });
    for (const node of fast.nodes) for (const out of node.outputs) expect(numel(out.shape), `${node.op} ${out.name} [${out.shape}]`).toBeLessThan(T * T);
    // The largest mixer tensors are the intra-chunk blocks, H · T · chunk.
    const mixerNodes = fast.nodes.filter((n) => n.scope.includes(`mixer: ${KIND}`));
    expect(Math.max(...mixerNodes.flatMap((n) => n.outputs.map((o) => numel(o.shape))))).toBeLessThanOrEqual(4 * T * 32);
    // The inspect graph does build the T × T map.
    const inspect = compile(spec, { T, mode: 'inspect' });
    expect(inspect.nodes.some((n) => n.outputs.some((o) => numel(o.shape) >= T * T))).toBe(true);
  });

  it('at T = 256 (chunk 32) both paths match the float64 reference, and fast = inspect to 1e-4', async () => {
    const T = 256;
    const text = 'the delta rule edits its memory. '.repeat(8).slice(0, T);
    expect(tokenize(text, T).ids.length).toBe(T);
    await expectMatchesReference(aloneSpec(mixer({ chunk: 32 }), { maxLen: T }), text, 1e-4, 1e-4);
  });

  it('at T = 256 with the default chunk (64) and chunk 8, fast = inspect to 1e-4', async () => {
    const T = 256;
    const tokens = tokenize('fast weights, written and rewritten. '.repeat(8), T).ids;
    expect(tokens.length).toBe(T);
    for (const chunk of [8, 64]) {
      const spec = aloneSpec(mixer({ chunk }), { maxLen: T });
      await expectFastMatchesInspect(spec, tokens);
    }
  });
});

describe('deltanet parameters', () => {
  it('defaults to chunks of 64', () => {
    const r = validateSpec(aloneSpec(mixer({})));
    expect(r.ok && r.spec.layers[0]!.mixer.params).toEqual({ chunk: 64 });
  });

  it('refuses parameters out of range, naming block, parameter and range', () => {
    expectRefusesOutOfRange('mixer', KIND, (p) => aloneSpec(mixer(p)), 'layers.0.mixer');
    expect(validateSpec(aloneSpec(mixer({ chunk: 7 })))).toEqual({
      ok: false,
      errors: ['layers.0.mixer: DeltaNet: parameter "chunk" must be a whole number from 8 to 256, got 7'],
    });
    expect(validateSpec(aloneSpec(mixer({ chunk: 257 })))).toEqual({
      ok: false,
      errors: ['layers.0.mixer: DeltaNet: parameter "chunk" must be a whole number from 8 to 256, got 257'],
    });
    expect(validateSpec(aloneSpec(mixer({ causal: false })))).toEqual({
      ok: false,
      errors: ['layers.0.mixer: DeltaNet: unknown parameter "causal" (known: chunk)'],
    });
  });

  it('has bias-free q, k, v, β and output projections', () => {
    const graph = compile(aloneSpec(mixer({})), { T: 4, mode: 'fast' });
    const weights = graph.initializers.filter((i) => i.trainable && i.tensor.name.startsWith('layers.0.mixer.'));
    expect(Object.fromEntries(weights.map((w) => [w.tensor.name, w.tensor.shape]))).toEqual({
      'layers.0.mixer.wq': [32, 32],
      'layers.0.mixer.wk': [32, 32],
      'layers.0.mixer.wv': [32, 32],
      'layers.0.mixer.wbeta': [32, 4],
      'layers.0.mixer.wo': [32, 32],
    });
  });
});
