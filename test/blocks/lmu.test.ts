// The Legendre Memory Unit mixer: both paths against the float64 recurrence (alone and in a
// 3-layer model), the Legendre matrices and their zero-order-hold discretisation against values
// written out by hand and computed by SciPy, the causal Toeplitz structure of the map, random
// parameters, refusals, and the chunked fast path's linear size.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { expm, legendreAB, legendreZoh } from '../../src/blocks/lmu';
import { compile } from '../../src/compiler/compile';
import { numel } from '../../src/graph/ir';
import { validateSpec } from '../../src/spec/schema';
import type { Spec } from '../../src/spec/types';
import { tokenize } from '../../src/spec/vocab';
import { weightsOf } from '../helpers';
import { lmuDiscrete } from './lmu.ref';
import { aloneSpec, arbitraryParams, expectMatchesReference, runGraph, TEXT, threeLayerSpec, expectFastMatchesInspect } from './harness';
import { expectRefusesOutOfRange } from './refusal';

const mixer = (params: Record<string, unknown>) => ({ mixer: { kind: 'lmu', params } });

// TEXT has 37 tokens: chunk 8 does not divide it, 37 is one chunk exactly, 64 and 256 exceed it.
const CASES: Record<string, unknown>[] = [{}, { chunk: 8 }, { order: 2, theta: 4 }, { order: 32, theta: 512, chunk: 12 }, { order: 17, theta: 4.5, chunk: 37 }, { order: 5, theta: 100, chunk: 256 }];

describe.each(CASES)('lmu %j', (params) => {
  it('matches the float64 recurrence alone, in both modes', () => expectMatchesReference(aloneSpec(mixer(params)), TEXT, 1e-4, 1e-4));
  it('matches the float64 recurrence inside a 3-layer model', () => expectMatchesReference(threeLayerSpec(mixer(params)), TEXT, 1e-4, 1e-4));
});

describe('lmu chunk edge cases', () => {
  const cases: [string, string, Record<string, unknown>, Partial<Spec>][] = [
    ['T a multiple of the chunk (32 tokens, chunk 8)', 'abcdefgh'.repeat(4), { chunk: 8 }, {}],
    ['one token', 'a', { chunk: 8 }, {}],
    ['T one more than the chunk', 'abcdefghi', { chunk: 8 }, {}],
    ['64 tokens in chunks of 8 (8 chunks)', 'the quick brown fox jumps over the lazy dog, again and again....', { chunk: 8, order: 12, theta: 6 }, {}],
    ['odd head width (dModel 12, 4 heads)', TEXT, { chunk: 10 }, { dModel: 12, nHeads: 4 }],
  ];
  it.each(cases)('%s', async (_, text, params, model) => {
    await expectMatchesReference(aloneSpec(mixer(params), model), text, 1e-4, 1e-4);
  });
});

describe('lmu over random parameters', () => {
  it('any parameters in range match the reference in both modes', () =>
    fc.assert(
      // Half the draws take a small chunk, so that most texts span several chunks.
      fc.asyncProperty(
        arbitraryParams('lmu').chain((p) => fc.oneof(fc.constant(p), fc.integer({ min: 8, max: 16 }).map((chunk) => ({ ...p, chunk })))),
        fc.string({ unit: fc.constantFrom(...'abcdefgh ,.'.split('')), minLength: 1, maxLength: 50 }),
        async (p, text) => {
          await expectMatchesReference(aloneSpec(mixer(p)), text, 1e-4, 1e-4);
        },
      ),
      { numRuns: 6 },
    ));
});

describe('the Legendre memory', () => {
  it('A and B of order 3 are the formula written out by hand', () => {
    // A_ij = (2i + 1)(−1 if i < j, else (−1)^(i−j+1)), B_i = (2i + 1)(−1)^i.
    const { A, B } = legendreAB(3);
    expect(Array.from(A)).toEqual([-1, -1, -1, 3, -3, -3, -5, 5, -5]);
    expect(Array.from(B)).toEqual([1, -3, 5]);
  });

  // Values of scipy.signal.cont2discrete((A/θ, B/θ, C, D), dt=1.0, method="zoh"), the call of
  // LMUFormer's lmu_cell.py (SciPy 1.17.1, float64).
  const SCIPY: [number, number, number[], number[]][] = [
    [3, 4, [0.7633232082362604, -0.20530308669608202, -0.0647040050379354, 0.6159092600882458, 0.21211795318594995, -0.2784714641086941, -0.3235200251896772, 0.46411910684782365, 0.16706939210496707], [0.23667679176373949, -0.6159092600882459, 0.32352002518967726]],
    [3, 32, [0.9699712771634106, -0.03152137806265919, -0.02707879553568288, 0.09456413418797753, 0.9024859385111159, -0.08390193612323439, -0.13539397767841443, 0.1398365602053907, 0.8509938969559359], [0.03002872283658947, -0.09456413418797752, 0.13539397767841438]],
  ];

  it.each(SCIPY)('Ā and B̄ of order %i, θ = %d match SciPy (src and the reference)', (q, theta, A, B) => {
    const src = legendreZoh(q, theta);
    const ref = lmuDiscrete(q, theta);
    for (let i = 0; i < q * q; i++) {
      expect(Math.abs(src.A[i]! - A[i]!)).toBeLessThanOrEqual(1e-14);
      expect(Math.abs(ref.A[Math.floor(i / q)]![i % q]! - A[i]!)).toBeLessThanOrEqual(1e-14);
    }
    for (let i = 0; i < q; i++) {
      expect(Math.abs(src.B[i]! - B[i]!)).toBeLessThanOrEqual(1e-14);
      expect(Math.abs(ref.B[i]! - B[i]!)).toBeLessThanOrEqual(1e-14);
    }
  });

  it('the largest memory (order 32, θ = 4, ‖A/θ‖ ≈ 500) and the default one match SciPy too', () => {
    const big = legendreZoh(32, 4);
    const want: [number, number][] = [
      [big.A[0]!, 0.7500302506794712],
      [big.A[31 * 32 + 31]!, -0.007585891022945782],
      [big.A[5 * 32 + 20]!, -0.04862685459672918],
      [big.A[20 * 32 + 5]!, 0.18124554895144432],
      [big.B[0]!, 0.24996974932052152],
      [big.B[31]!, -0.07263323160761635],
    ];
    for (const [got, expected] of want) expect(Math.abs(got - expected)).toBeLessThanOrEqual(1e-12);
    const dflt = legendreZoh(8, 32);
    const row7 = [0.13459485264897086, -0.14165125967497627, 0.1563051520481023, -0.1796860093681968, 0.21361080947494623, -0.2607442403762784, 0.3248351805109042, 0.5889480866286048];
    const B = [0.03196834481482278, -0.08858599178214005, 0.14590297859749812, -0.1736413809577499, 0.21037201094251934, -0.19176537223032444, 0.20838216363384482, -0.13459485264897086];
    row7.forEach((v, j) => expect(Math.abs(dflt.A[7 * 8 + j]! - v)).toBeLessThanOrEqual(1e-14));
    B.forEach((v, i) => expect(Math.abs(dflt.B[i]! - v)).toBeLessThanOrEqual(1e-14));
  });

  it('expm: e^0 = I, a diagonal matrix, a rotation, and e^M e^−M = I', () => {
    expect(Array.from(expm(new Float64Array(4), 2))).toEqual([1, 0, 0, 1]);
    const diag = expm(Float64Array.from([2, 0, 0, -30]), 2);
    expect(Math.abs(diag[0]! - Math.exp(2)) / Math.exp(2)).toBeLessThanOrEqual(1e-13);
    expect(Math.abs(diag[3]! - Math.exp(-30)) / Math.exp(-30)).toBeLessThanOrEqual(1e-12);
    const rot = expm(Float64Array.from([0, -3, 3, 0]), 2); // rotation by 3 rad
    [Math.cos(3), -Math.sin(3), Math.sin(3), Math.cos(3)].forEach((v, i) => expect(Math.abs(rot[i]! - v)).toBeLessThanOrEqual(1e-13));
    const m = Float64Array.from([0.3, -1.2, 0.5, 2, 0.1, -0.7, -0.4, 0.9, -0.2]);
    const [e, f] = [expm(m, 3), expm(m.map((v) => -v), 3)];
    for (let i = 0; i < 3; i++)
      for (let j = 0; j < 3; j++) {
        let s = 0;
        for (let k = 0; k < 3; k++) s += e[i * 3 + k]! * f[k * 3 + j]!;
        expect(Math.abs(s - (i === j ? 1 : 0))).toBeLessThanOrEqual(1e-13);
      }
  });
});

describe('the implicit map of lmu', () => {
  it('is causal Toeplitz: zero above the diagonal, constant along every diagonal, A_ts = w_hᵀ Ā^(t−s) B̄', async () => {
    for (const [params, text] of [[{ order: 6, theta: 10 }, TEXT], [{}, 'a short one']] as const) {
      const spec = aloneSpec(mixer(params));
      const tokens = tokenize(text, spec.maxLen).ids;
      const T = tokens.length;
      const probs = (await runGraph(spec, tokens, 'inspect'))['attn_probs.0']!.data;
      const q = (params as { order?: number }).order ?? 8;
      const { A, B } = legendreZoh(q, (params as { theta?: number }).theta ?? 32);
      const wm = weightsOf(compile(spec, { T, mode: 'fast' }))('layers.0.mixer.wm');
      for (let h = 0; h < 4; h++) {
        // k_h(n) = w_hᵀ Ā^n B̄ in float64
        const kernel: number[] = [];
        let v = Array.from(B);
        for (let n = 0; n < T; n++) {
          kernel.push(v.reduce((s, x, i) => s + x * wm[h * q + i]!, 0));
          v = v.map((_, i) => v.reduce((s, x, j) => s + A[i * q + j]! * x, 0));
        }
        for (let t = 0; t < T; t++)
          for (let s = 0; s < T; s++) {
            const a = probs[(h * T + t) * T + s]!;
            if (s > t) expect(a, `(${h}, ${t}, ${s}) above the diagonal`).toBe(0);
            else {
              expect(a, `(${h}, ${t}, ${s}) on diagonal ${t - s}`).toBe(probs[(h * T + (t - s)) * T]!); // the same value down the diagonal
              expect(Math.abs(a - kernel[t - s]!), `(${h}, ${t}, ${s})`).toBeLessThanOrEqual(1e-6);
            }
          }
      }
    }
  });
});

describe('lmu fast path', () => {
  it('is linear in T: at T = 256 with chunk 32 no tensor has 256·256 elements, and the largest mixer tensor is H · T · chunk', () => {
    const T = 256;
    const graph = compile(aloneSpec(mixer({ chunk: 32 }), { maxLen: T }), { T, mode: 'fast' });
    const big = graph.nodes.flatMap((n) => n.outputs.filter((o) => numel(o.shape) >= T * T).map((o) => `${n.op} ${o.shape}`));
    expect(big).toEqual([]);
    const mixerNodes = graph.nodes.filter((n) => n.scope.includes('mixer: lmu'));
    expect(Math.max(...mixerNodes.flatMap((n) => n.outputs.map((o) => numel(o.shape))))).toBeLessThanOrEqual(4 * T * 32);
    // Constants: none grows with T (impulse response [q, C], chunk write [q, C], read [q, C·q], carry [q, q]).
    const consts = (t: number) => compile(aloneSpec(mixer({ chunk: 32 }), { maxLen: 4096 }), { T: t, mode: 'fast' }).initializers.filter((i) => !i.trainable && i.scope.includes('mixer: lmu')).reduce((s, i) => s + i.data.length, 0);
    expect(consts(4096)).toBeLessThan(consts(256) + 4096);
    const inspect = compile(aloneSpec(mixer({ chunk: 32 }), { maxLen: T }), { T, mode: 'inspect' });
    expect(inspect.nodes.some((n) => n.outputs.some((o) => numel(o.shape) >= T * T))).toBe(true);
  });

  it('agrees with the inspect form at T = 256', async () => {
    const T = 256;
    for (const params of [{ chunk: 32 }, { chunk: 100, order: 32, theta: 200 }]) {
      const spec = aloneSpec(mixer(params), { maxLen: T });
      const tokens = tokenize('legendre memory, one window at a time. '.repeat(10), T).ids;
      expect(tokens.length).toBe(T);
      await expectFastMatchesInspect(spec, tokens);
    }
  });
});

describe('lmu parameters', () => {
  it('defaults to order 8, θ = 32, chunk 64', () => {
    const r = validateSpec(aloneSpec(mixer({})));
    expect(r.ok && r.spec.layers[0]!.mixer.params).toEqual({ order: 8, theta: 32, chunk: 64 });
  });

  it('refuses parameters out of range, naming block, parameter and range', () => {
    expectRefusesOutOfRange('mixer', 'lmu', (p) => aloneSpec(mixer(p)), 'layers.0.mixer');
    expect(validateSpec(aloneSpec(mixer({ order: 1 })))).toEqual({
      ok: false,
      errors: ['layers.0.mixer: Legendre Memory Unit (LMUFormer): parameter "order" must be a whole number from 2 to 32, got 1'],
    });
    expect(validateSpec(aloneSpec(mixer({ theta: 3.5 })))).toEqual({
      ok: false,
      errors: ['layers.0.mixer: Legendre Memory Unit (LMUFormer): parameter "theta" must be a number from 4 to 512, got 3.5'],
    });
    expect(validateSpec(aloneSpec(mixer({ chunk: 300 })))).toEqual({
      ok: false,
      errors: ['layers.0.mixer: Legendre Memory Unit (LMUFormer): parameter "chunk" must be a whole number from 8 to 256, got 300'],
    });
    expect(validateSpec(aloneSpec(mixer({ causal: false })))).toEqual({
      ok: false,
      errors: ['layers.0.mixer: Legendre Memory Unit (LMUFormer): unknown parameter "causal" (known: order, theta, chunk)'],
    });
  });

  it('has a bias-free encoder W_u, one readout per head and a bias-free output projection', () => {
    const graph = compile(aloneSpec(mixer({ order: 5 })), { T: 4, mode: 'fast' });
    const weights = graph.initializers.filter((i) => i.trainable && i.tensor.name.startsWith('layers.0.mixer.'));
    expect(Object.fromEntries(weights.map((w) => [w.tensor.name, w.tensor.shape]))).toEqual({
      'layers.0.mixer.wu': [32, 32],
      'layers.0.mixer.wm': [4, 5],
      'layers.0.mixer.wo': [32, 32],
    });
  });
});
