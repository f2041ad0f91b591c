// The spectral mixer (DCT band filter): both paths against the float64 dense product Bᵀ diag(λ) B
// (alone and in a 3-layer model), the structure of its map (symmetric; the DCT diagonalises it
// with the band weights as eigenvalues), random parameters, refusals, and the FFT fast path's size.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bandKernels, bandOf, convLength } from '../../src/blocks/spectral';
import { compile } from '../../src/compiler/compile';
import { graphCost } from '../../src/graph/cost';
import { numel } from '../../src/graph/ir';
import { validateSpec } from '../../src/spec/schema';
import type { Spec } from '../../src/spec/types';
import { tokenize } from '../../src/spec/vocab';
import { weightsOf } from '../helpers';
import { dctMatrix } from './spectral.ref';
import { aloneSpec, arbitraryParams, expectMatchesReference, runGraph, TEXT, threeLayerSpec, expectFastMatchesInspect } from './harness';
import { expectRefusesOutOfRange } from './refusal';

const mixer = (params: Record<string, unknown>) => ({ mixer: { kind: 'spectral', params } });

// TEXT has 37 tokens: 16 bands of unequal width (37 is prime), 64 bands (more bands than
// frequencies: some stay empty), 5 bands.
const CASES: Record<string, unknown>[] = [{}, { bands: 4 }, { bands: 5 }, { bands: 64 }];

describe.each(CASES)('spectral %j', (params) => {
  it('matches the float64 dense DCT product alone, in both modes', () => expectMatchesReference(aloneSpec(mixer(params)), TEXT, 1e-4, 1e-4));
  it('matches the float64 dense DCT product inside a 3-layer model', () => expectMatchesReference(threeLayerSpec(mixer(params)), TEXT, 1e-4, 1e-4));
});

describe('spectral at lengths that exercise every FFT shape', () => {
  // T → N (the smallest m · 16^k ≥ 3T − 1, m ≤ 32): 1 → 2, 2 → 5, 6 → 17, 11 → 32 (one dense
  // DFT), 22 → 80 = 16 · 5, 43 → 128 = 16 · 8, 64 → 192 = 16 · 12 (one radix-16 step).
  it.each([
    ['a', { bands: 4 }],
    ['ab', {}],
    ['abcdef', { bands: 7 }],
    ['hello world', {}],
    ['the quick brown fox ok', { bands: 64 }],
    ['the quick brown fox jumps over the lazy dog', { bands: 9 }],
    ['x'.repeat(64), {}],
  ])('%j %j', async (text, params) => {
    await expectMatchesReference(aloneSpec(mixer(params)), text, 1e-4, 1e-4);
  });

  it('odd and unit head widths (the real/imaginary channel packing pads one channel)', async () => {
    await expectMatchesReference(aloneSpec(mixer({ bands: 6 }), { dModel: 12, nHeads: 4 }), TEXT, 1e-4, 1e-4); // headDim 3
    await expectMatchesReference(aloneSpec(mixer({}), { dModel: 8, nHeads: 8 }), TEXT, 1e-4, 1e-4); // headDim 1
    await expectMatchesReference(aloneSpec(mixer({}), { dModel: 16, nHeads: 1 }), TEXT, 1e-4, 1e-4); // one head of 16
  });
});

describe('spectral over random parameters', () => {
  it('any parameters in range match the reference in both modes', () =>
    fc.assert(
      fc.asyncProperty(arbitraryParams('spectral'), fc.string({ unit: fc.constantFrom(...'abcdefgh ,.'.split('')), minLength: 1, maxLength: 50 }), async (p, text) => {
        await expectMatchesReference(aloneSpec(mixer(p)), text, 1e-4, 1e-4);
      }),
      { numRuns: 6 },
    ));
});

/** The band weights [H, bands] of a compiled 1-layer spec. */
function bandWeights(spec: Spec, T: number): Float64Array {
  return weightsOf(compile(spec, { T, mode: 'fast' }))('layers.0.mixer.band_weights');
}

describe('the implicit map of spectral', () => {
  it('is symmetric, and B A Bᵀ is diagonal with the band weights (graph, inspect mode)', async () => {
    for (const [text, bands] of [[TEXT, 16], ['short text', 4], ['abcdefghijklmnopqrstuvwxyz, again', 64]] as const) {
      const spec = aloneSpec(mixer({ bands }));
      const tokens = tokenize(text, spec.maxLen).ids;
      const T = tokens.length;
      const probs = (await runGraph(spec, tokens, 'inspect'))['attn_probs.0']!.data;
      const w = bandWeights(spec, T);
      const B = dctMatrix(T);
      for (let h = 0; h < 4; h++) {
        const A = (j: number, k: number) => probs[(h * T + j) * T + k]!;
        for (let j = 0; j < T; j++) for (let k = 0; k < j; k++) expect(Math.abs(A(j, k) - A(k, j)), `symmetry (${h}, ${j}, ${k})`).toBeLessThanOrEqual(1e-6);
        // D = B A Bᵀ in float64 from the float32 map.
        for (let f = 0; f < T; f++)
          for (let g = 0; g < T; g++) {
            let s = 0;
            for (let j = 0; j < T; j++) for (let k = 0; k < T; k++) s += B[f]![j]! * A(j, k) * B[g]![k]!;
            const want = f === g ? w[h * bands + bandOf(f, T, bands)]! : 0;
            expect(Math.abs(s - want), `B A Bᵀ (${h}, ${f}, ${g})`).toBeLessThanOrEqual(1e-5);
          }
      }
    }
  });

  it('the closed-form band kernels match the direct cosine sums, and all bands at weight 1 give the identity', () => {
    // The closed-form band kernels: Σ_b g_b = the kernel of I (g(0) + g(2j+1 folded) = δ), and each
    // g_b matches the direct sum ½ Σ_{f in b} c_f² cos(π f n / T).
    for (const [T, bands] of [[1, 4], [7, 4], [37, 16], [64, 64], [100, 9]] as const) {
      const G = bandKernels(T, bands);
      for (let b = 0; b < bands; b++)
        for (let n = 0; n <= T; n++) {
          let direct = 0;
          for (let f = 0; f < T; f++) if (bandOf(f, T, bands) === b) direct += 0.5 * ((f === 0 ? 1 : 2) / T) * Math.cos((Math.PI * f * n) / T);
          expect(Math.abs(G[b]![n]! - direct)).toBeLessThanOrEqual(1e-13);
        }
      const g = (n: number) => G.reduce((s, row) => s + row[n]!, 0);
      for (let j = 0; j < T; j++)
        for (let k = 0; k < T; k++) {
          const sum = j + k + 1;
          const a = g(Math.abs(j - k)) + g(T - Math.abs(T - sum));
          expect(Math.abs(a - (j === k ? 1 : 0))).toBeLessThanOrEqual(1e-12);
        }
    }
  });

  it('bands: frequency f of T belongs to band ⌊f · bands / T⌋', () => {
    expect(Array.from({ length: 10 }, (_, f) => bandOf(f, 10, 4))).toEqual([0, 0, 0, 1, 1, 2, 2, 2, 3, 3]);
    expect(Array.from({ length: 3 }, (_, f) => bandOf(f, 3, 16))).toEqual([0, 5, 10]);
  });
});

describe('spectral fast path (FFT)', () => {
  it('is sub-quadratic: at T = 256 no tensor has 256·256 elements, and FLOPs grow like T log T', () => {
    const mixerFlops = (T: number) => {
      const graph = compile(aloneSpec(mixer({}), { maxLen: T }), { T, mode: 'fast' });
      const big = graph.nodes.flatMap((n) => n.outputs.filter((o) => numel(o.shape) >= T * T).map((o) => `${n.op} ${o.shape}`));
      if (T >= 256) expect(big).toEqual([]);
      return graphCost(graph).byScope.filter((s) => s.scope.includes('mixer: spectral')).reduce((a, s) => a + s.cost.flops, 0);
    };
    expect([1, 2, 6, 11, 22, 43, 64, 200, 256, 2048, 8192].map(convLength)).toEqual([2, 5, 17, 32, 80, 128, 192, 768, 768, 6144, 24576]);
    const [f256, f2048] = [mixerFlops(256), mixerFlops(2048)];
    // 8× the tokens: a quadratic mixer would cost 64×; this one costs 12.5× (N log N, N = 768 → 6144,
    // with the dense base DFT growing from size 3 to 24 within the same two radix-16 steps).
    expect(f2048 / f256).toBeLessThan(16);
    const inspect = compile(aloneSpec(mixer({}), { maxLen: 256 }), { T: 256, mode: 'inspect' });
    expect(inspect.nodes.some((n) => n.outputs.some((o) => numel(o.shape) >= 256 * 256))).toBe(true);
  });

  it('agrees with the inspect form at T = 256 (and 200)', async () => {
    for (const T of [256, 200]) {
      const spec = aloneSpec(mixer({ bands: 12 }), { maxLen: T });
      const tokens = tokenize('frequencies of the tokens, in bands. '.repeat(10), T).ids;
      expect(tokens.length).toBe(T);
      await expectFastMatchesInspect(spec, tokens);
    }
  });
});

describe('spectral parameters', () => {
  it('defaults to 16 bands', () => {
    const r = validateSpec(aloneSpec(mixer({})));
    expect(r.ok && r.spec.layers[0]!.mixer.params).toEqual({ bands: 16 });
  });

  it('refuses parameters out of range, naming block, parameter and range', () => {
    expectRefusesOutOfRange('mixer', 'spectral', (p) => aloneSpec(mixer(p)), 'layers.0.mixer');
    expect(validateSpec(aloneSpec(mixer({ bands: 3 })))).toEqual({
      ok: false,
      errors: ['layers.0.mixer: Spectral mixer (DCT bands): parameter "bands" must be a whole number from 4 to 64, got 3'],
    });
    expect(validateSpec(aloneSpec(mixer({ causal: true })))).toEqual({
      ok: false,
      errors: ['layers.0.mixer: Spectral mixer (DCT bands): unknown parameter "causal" (known: bands)'],
    });
  });

  it('has one weight per head and band, and nothing else', () => {
    const graph = compile(aloneSpec(mixer({ bands: 8 })), { T: 4, mode: 'fast' });
    const weights = graph.initializers.filter((i) => i.trainable && i.tensor.name.startsWith('layers.0.mixer.'));
    expect(Object.fromEntries(weights.map((w) => [w.tensor.name, w.tensor.shape]))).toEqual({ 'layers.0.mixer.band_weights': [4, 8] });
  });
});
