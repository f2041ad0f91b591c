// The position blocks: nope, sinusoidal, rope, alibi, t5_bias. Each matches its float64 reference
// alone and inside a 3-layer model (causal and bidirectional), and hand-computed values from the
// papers pin down the parts a shared misunderstanding could get wrong in both.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { alibiSlopes } from '../../src/blocks/alibi';
import type { BlockContext } from '../../src/blocks/define';
import { findBlock } from '../../src/blocks/registry';
import { relativePositionBucket } from '../../src/blocks/t5Bias';
import { compile } from '../../src/compiler/compile';
import { GraphBuilder } from '../../src/graph/builder';
import { toOnnxBytes } from '../../src/graph/onnx';
import { validateSpec } from '../../src/spec/schema';
import type { Spec } from '../../src/spec/types';
import { expectClose, nodeRuntime } from '../helpers';
import { slopes as refSlopes } from './alibi.ref';
import { ropeRotate } from './rope.ref';
import { sinusoid } from './sinusoidal.ref';
import { bucket as refBucket } from './t5Bias.ref';
import { mat } from '../reference/math';
import { aloneSpec, arbitraryParams, expectMatchesReference, threeLayerSpec } from './harness';
import { expectRefusesOutOfRange } from './refusal';

const position = (kind: string, params: Record<string, unknown> = {}) => ({ position: { kind, params } });
const bidirectional = { mixer: { kind: 'softmax_attention', params: { causal: false } } };

const CASES: [string, Record<string, unknown>][] = [
  ['nope', {}],
  ['sinusoidal', {}],
  ['rope', {}],
  ['rope', { base: 500, fraction: 0.5 }],
  ['alibi', {}],
  ['t5_bias', {}],
  ['t5_bias', { buckets: 8, maxDistance: 16, bidirectional: true }],
];
const label = (kind: string, params: Record<string, unknown>) => `${kind} ${JSON.stringify(params)}`;

describe('position blocks against the float64 reference', () => {
  it.each(CASES.map(([k, p]) => [label(k, p), k, p] as const))('%s: alone, both modes', async (_, kind, params) => {
    await expectMatchesReference(aloneSpec(position(kind, params)));
  });

  it.each(CASES.map(([k, p]) => [label(k, p), k, p] as const))('%s: in a 3-layer model', async (_, kind, params) => {
    await expectMatchesReference(threeLayerSpec(position(kind, params)));
  });

  it.each(CASES.map(([k, p]) => [label(k, p), k, p] as const))('%s: with bidirectional attention', async (_, kind, params) => {
    await expectMatchesReference(aloneSpec({ ...position(kind, params), ...bidirectional }));
    await expectMatchesReference(threeLayerSpec({ ...position(kind, params), ...bidirectional }));
  });

  it('alibi with 6 heads (not a power of two) and t5_bias with 6 heads', async () => {
    await expectMatchesReference(aloneSpec(position('alibi'), { dModel: 48, nHeads: 6 }));
    await expectMatchesReference(threeLayerSpec(position('t5_bias', { bidirectional: true }), { dModel: 48, nHeads: 6 }));
  });

  it('rope rotates grouped-query keys (fewer key heads) and odd head sizes', async () => {
    await expectMatchesReference(aloneSpec({ ...position('rope'), mixer: { kind: 'softmax_attention', params: { kvHeads: 2 } } }));
    await expectMatchesReference(aloneSpec(position('rope', { fraction: 0.7 }), { dModel: 36, nHeads: 4 })); // hd 9: 3 of 4 pairs
  });

  it('any rope or t5_bias parameters in range match the reference', async () => {
    const valid = (kind: string) => arbitraryParams(kind).filter((p) => validateSpec(aloneSpec(position(kind, p))).ok);
    await fc.assert(fc.asyncProperty(valid('rope'), async (p) => { await expectMatchesReference(aloneSpec(position('rope', p)), 'RoPE!'); }), { numRuns: 6 });
    await fc.assert(fc.asyncProperty(valid('t5_bias'), async (p) => { await expectMatchesReference(aloneSpec(position('t5_bias', p)), 'T5 bias, far'); }), { numRuns: 6 });
  });
});

/** The constant initialiser whose name starts with `hint` in the fast graph of `spec` at length T. */
function constantOf(spec: Spec, T: number, hint: string): number[] {
  const inits = compile(spec, { T, mode: 'fast' }).initializers.filter((i) => i.tensor.name.startsWith(hint));
  expect(inits).toHaveLength(1);
  return Array.from(inits[0]!.data as ArrayLike<number | bigint>, Number);
}

describe('sinusoidal: hand-checked table', () => {
  // d = 8: the four pairs have wavelengths 2π·1, 2π·10, 2π·100, 2π·1000 (10000^(2i/8) = 10^i).
  const row1 = [0.8414709848078965, 0.5403023058681398, 0.09983341664682815, 0.9950041652780258, 0.009999833334166664, 0.9999500004166653, 0.0009999998333333417, 0.9999995000000417];
  const row0 = [0, 1, 0, 1, 0, 1, 0, 1];

  it('the block adds PE(0) = (0, 1, 0, 1, …) and PE(1) = (sin 1, cos 1, sin 0.1, cos 0.1, …)', () => {
    const table = constantOf(aloneSpec(position('sinusoidal'), { dModel: 8, nHeads: 2 }), 2, 'sinusoid');
    expectClose(table, [...row0, ...row1], 1e-7, 'PE');
  });

  it('the reference agrees', () => {
    expectClose([0, 1, 2, 3, 4, 5, 6, 7].map((c) => sinusoid(1, c, 8)), row1, 1e-15, 'reference PE(1)');
  });
});

describe('alibi: hand-checked slopes', () => {
  const H8 = [1 / 2, 1 / 4, 1 / 8, 1 / 16, 1 / 32, 1 / 64, 1 / 128, 1 / 256]; // 2^(−8h/8)
  // 6 heads: the 4-head slopes 2^(−2h), then the 1st and 3rd of the 8-head slopes (1/2, 1/8).
  const H6 = [1 / 4, 1 / 16, 1 / 64, 1 / 256, 1 / 2, 1 / 8];
  // 3 heads: the 2-head slopes 2^(−4h), then the 1st of the 4-head slopes (1/4).
  const H3 = [1 / 16, 1 / 256, 1 / 4];
  // 16 heads (paper: start 2^−0.5, ratio 2^−0.5).
  const H16 = Array.from({ length: 16 }, (_, k) => 2 ** (-(k + 1) / 2));
  const H12 = [...H8, 2 ** -0.5, 2 ** -1.5, 2 ** -2.5, 2 ** -3.5];

  it.each([[8, H8], [6, H6], [3, H3], [12, H12], [16, H16], [1, [1 / 256]]] as const)('H = %i: block and reference give the paper\'s slopes', (H, want) => {
    expect(alibiSlopes(H)).toEqual(want);
    expectClose(refSlopes(H), want, 1e-15, `reference slopes H=${H}`);
  });

  it('the graph stores −m_h as [1, H, 1, 1] for 8 and 6 heads', () => {
    expect(constantOf(aloneSpec(position('alibi'), { dModel: 32, nHeads: 8 }), 4, 'alibi_slopes')).toEqual(H8.map((m) => -m));
    expect(constantOf(aloneSpec(position('alibi'), { dModel: 48, nHeads: 6 }), 4, 'alibi_slopes')).toEqual(H6.map((m) => -m));
  });
});

/** Runs the rope block's rotate hook on rows x[t] (one head, positions 0 … T−1) through onnxruntime. */
async function blockRotate(params: Record<string, unknown>, x: number[][]): Promise<Float32Array> {
  const rope = findBlock('position', 'rope')!;
  const parsed = rope.parse(params);
  if (!parsed.ok) throw new Error(parsed.message);
  const T = x.length;
  const hd = x[0]!.length;
  const b = new GraphBuilder('rope_check', 0);
  b.input('tokens', 'int64', [1, 1]);
  const ctx: BlockContext = {
    b, dModel: hd, nHeads: 1, headDim: hd, B: 1, T, maxLen: T, mode: 'fast', layer: -1,
    weight: () => { throw new Error('rope has no weights'); },
    linear: () => { throw new Error('rope has no linear layers'); },
    position: { rotate: (t) => t, bias: () => null, rotateAt: (t) => t, biasAt: () => null },
    probe: () => undefined,
  };
  b.output(rope.emit.rotate!(ctx, b.constant('x', 'float32', [1, 1, T, hd], x.flat()), parsed.params), 'y');
  const model = await (await nodeRuntime()).load(toOnnxBytes(b.finish()));
  const out = await model.run([0]);
  await model.release();
  return out['y']!.data;
}

describe('rope: hand-checked rotation', () => {
  // hd = 4, θ = 10000: pair 0 turns by t rad, pair 1 by t·10000^(−2/4) = t/100 rad. At t = 1:
  //   x'0 = 1·cos 1 − 2·sin 1 = 0.5403023058681398 − 1.6829419696157930 = −1.1426396637476532
  //   x'1 = 1·sin 1 + 2·cos 1 = 0.8414709848078965 + 1.0806046117362796 =  1.922075596544176
  //   x'2 = 3·cos 0.01 − 4·sin 0.01 = 2.9998500012499959 − 0.0399993333366667 = 2.959850667913329
  //   x'3 = 3·sin 0.01 + 4·cos 0.01 = 0.0299995000025000 + 3.9998000016666612 = 4.029799501669161
  const x = [1, 2, 3, 4];
  const full = [-1.1426396637476532, 1.922075596544176, 2.959850667913329, 4.029799501669161];
  // fraction 0.5: only pair 0 turns (by t·10000^0 = t), dimensions 2 and 3 stay.
  const half = [-1.1426396637476532, 1.922075596544176, 3, 4];

  it('the reference rotates (1, 2, 3, 4) at t = 1 as computed by hand, and leaves t = 0 alone', () => {
    const out = ropeRotate(mat(2, 4, Float64Array.from([...x, ...x])), 10000, 1);
    expectClose(Array.from(out.v), [...x, ...full], 1e-15, 'reference, fraction 1');
    expectClose(Array.from(ropeRotate(mat(2, 4, Float64Array.from([...x, ...x])), 10000, 0.5).v), [...x, ...half], 1e-15, 'reference, fraction 0.5');
  });

  it('the block does the same', async () => {
    expectClose(await blockRotate({ base: 10000 }, [x, x]), [...x, ...full], 1e-6, 'block, fraction 1');
    expectClose(await blockRotate({ base: 10000, fraction: 0.5 }, [x, x]), [...x, ...half], 1e-6, 'block, fraction 0.5');
  });

  const vec = (n: number) => fc.array(fc.double({ min: -2, max: 2, noNaN: true }), { minLength: n, maxLength: n });
  const dot = (a: ArrayLike<number>, b: ArrayLike<number>, at: number, bt: number, n: number) => {
    let s = 0;
    for (let c = 0; c < n; c++) s += a[at * n + c]! * b[bt * n + c]!;
    return s;
  };

  it('q·k depends only on i − j (reference, float64)', () => {
    const pos = fc.integer({ min: 0, max: 200 });
    fc.assert(
      fc.property(vec(8), vec(8), pos, pos, pos, fc.double({ min: 100, max: 1e6, noNaN: true }), (q, k, i, j, s, base) => {
        const at = (v: number[], t: number) => {
          const m = mat(t + 1, 8);
          m.v.set(v, t * 8);
          return ropeRotate(m, base, 1);
        };
        const before = dot(at(q, i).v, at(k, j).v, i, j, 8);
        const after = dot(at(q, i + s).v, at(k, j + s).v, i + s, j + s, 8);
        expect(Math.abs(after - before)).toBeLessThan(1e-9);
      }),
    );
  });

  it('q·k depends only on i − j (block, float32)', async () => {
    const T = 48;
    await fc.assert(
      fc.asyncProperty(vec(8), vec(8), fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 23 }), fc.integer({ min: 1, max: 24 }), async (q, k, i, j, s) => {
        const rowsQ = Array.from({ length: T }, () => q);
        const rowsK = Array.from({ length: T }, () => k);
        const rq = await blockRotate({}, rowsQ);
        const rk = await blockRotate({}, rowsK);
        expect(Math.abs(dot(rq, rk, i + s, j + s, 8) - dot(rq, rk, i, j, 8))).toBeLessThan(1e-5 * 16);
      }),
      { numRuns: 10 },
    );
  });

  it('emits its cos and sin tables once per graph, shared by every layer', () => {
    const graph = compile(threeLayerSpec(position('rope')), { T: 9, mode: 'fast' });
    expect(graph.initializers.filter((i) => i.tensor.name.startsWith('rope_cos')).map((i) => i.tensor.shape)).toEqual([[9, 4]]); // [T, pairs]
  });
});

describe('t5_bias: hand-checked buckets', () => {
  // Unidirectional, 32 buckets, maxDistance 128: n = i − j = −r clipped at 0; E = 16 exact buckets;
  // beyond, 16 + ⌊ln(n/16) / ln 8 · 16⌋ capped at 31: n = 20 → 16 + ⌊1.717⌋, 32 → 16 + ⌊16/3⌋,
  // 64 → 16 + ⌊32/3⌋, 100 → 16 + ⌊14.10⌋, 127 → 16 + ⌊15.94⌋, 128 → 32 → 31.
  const uni: [number, number][] = [[0, 0], [-1, 1], [-15, 15], [-16, 16], [-20, 17], [-32, 21], [-64, 26], [-100, 30], [-127, 31], [-128, 31], [-500, 31], [5, 0]];
  // Bidirectional, 32 buckets, maxDistance 128: 16 per side, E = 8; keys after the query (r > 0)
  // add 16. n ≥ 8: 8 + ⌊ln(n/8) / ln 16 · 8⌋: 12 → 8 + ⌊1.17⌋, 16 → 8 + 2, 32 → 8 + 4, 64 → 8 + 6, 128 → 16 → 15.
  const bi: [number, number][] = [[0, 0], [-1, 1], [1, 17], [-7, 7], [7, 23], [-8, 8], [-12, 9], [-16, 10], [16, 26], [-32, 12], [-64, 14], [-128, 15], [128, 31], [200, 31]];
  // Small: 8 buckets, maxDistance 16. Unidirectional: E = 4; n ≥ 4: 4 + ⌊ln(n/4) / ln 4 · 4⌋:
  // 5 → 4 + ⌊0.64⌋, 8 → 4 + 2, 11 → 4 + ⌊2.92⌋, 12 → 4 + ⌊3.17⌋, 16 → 8 → 7.
  const smallUni: [number, number][] = [[-3, 3], [-5, 4], [-8, 6], [-11, 6], [-12, 7], [-16, 7]];
  // Bidirectional: 4 per side, E = 2; n ≥ 2: 2 + ⌊ln(n/2) / ln 8 · 2⌋: 3 → 2 + ⌊0.39⌋, 5 → 2 + ⌊0.88⌋,
  // 6 → 2 + ⌊1.06⌋, 16 → 4 → 3; keys after the query add 4.
  const smallBi: [number, number][] = [[-1, 1], [-2, 2], [-3, 2], [-5, 2], [-6, 3], [-16, 3], [1, 5], [3, 6], [6, 7]];

  it.each([
    ['unidirectional 32/128', uni, 32, 128, false],
    ['bidirectional 32/128', bi, 32, 128, true],
    ['unidirectional 8/16', smallUni, 8, 16, false],
    ['bidirectional 8/16', smallBi, 8, 16, true],
  ] as const)('%s: block and reference give the hand-derived buckets', (_, cases, buckets, maxDistance, bidirectional) => {
    const want = cases.map(([, b]) => b);
    expect(cases.map(([r]) => relativePositionBucket(r, { buckets, maxDistance, bidirectional }))).toEqual(want);
    expect(cases.map(([r]) => refBucket(r, buckets, maxDistance, bidirectional))).toEqual(want);
  });

  it('stores a bucket lookup over the 2T − 1 relative positions, not a T × T table', () => {
    const lookup = constantOf(aloneSpec(position('t5_bias', { bidirectional: true })), 40, 't5_buckets');
    expect(lookup).toHaveLength(79);
    expect(lookup[39 - 16]).toBe(10); // r = −16
    expect(lookup[39 + 16]).toBe(26); // r = +16
  });

  it('one table [buckets, H] under "position", shared by every layer', () => {
    const graph = compile(threeLayerSpec(position('t5_bias', { buckets: 16 })), { T: 9, mode: 'fast' });
    expect(graph.initializers.filter((i) => i.trainable && i.tensor.name.startsWith('position.')).map((i) => [i.tensor.name, i.tensor.shape])).toEqual([['position.relative_bias', [16, 4]]]);
  });
});

describe('position parameters', () => {
  const errorsOf = (spec: Spec) => {
    const r = validateSpec(spec);
    return r.ok ? [] : r.errors;
  };

  it.each(['nope', 'sinusoidal', 'rope', 'alibi', 't5_bias'])('%s: refuses parameters out of range, naming block, parameter and range', (kind) => {
    expectRefusesOutOfRange('position', kind, (p) => aloneSpec(position(kind, p)), 'position');
  });

  it('names the range in words', () => {
    expect(errorsOf(aloneSpec(position('rope', { base: 50 })))).toEqual(['position: RoPE (rotary positions): parameter "base" must be a number from 100 to 1000000, got 50']);
    expect(errorsOf(aloneSpec(position('rope', { fraction: 0.1 })))).toEqual(['position: RoPE (rotary positions): parameter "fraction" must be a number from 0.25 to 1, got 0.1']);
    expect(errorsOf(aloneSpec(position('t5_bias', { buckets: 100 })))).toEqual(['position: T5 relative bias: parameter "buckets" must be a whole number from 8 to 64, got 100']);
    expect(errorsOf(aloneSpec(position('t5_bias', { maxDistance: 8 })))).toEqual(['position: T5 relative bias: parameter "maxDistance" must be a whole number from 16 to 512, got 8']);
    expect(errorsOf(aloneSpec(position('t5_bias', { bidirectional: 'yes' })))).toEqual(['position: T5 relative bias: parameter "bidirectional" must be true or false, got "yes"']);
    expect(errorsOf(aloneSpec(position('alibi', { slope: 1 })))).toEqual(['position: ALiBi (linear biases): unknown parameter "slope" (it takes none)']);
  });

  it('refuses combinations that cannot work, saying why', () => {
    expect(errorsOf(aloneSpec(position('t5_bias', { buckets: 64, maxDistance: 32 })))).toEqual([
      'position: T5 relative bias: parameter "maxDistance" must be greater than 32, the number of exactly bucketed distances (half the buckets of one direction), got 32',
    ]);
    expect(errorsOf(aloneSpec(position('t5_bias', { buckets: 64, maxDistance: 32, bidirectional: true })))).toEqual([]);
    expect(errorsOf(aloneSpec(position('rope', { fraction: 0.25 }), { dModel: 8, nHeads: 4 }))).toEqual([
      'position: RoPE (rotary positions): fraction 0.25 rotates no dimension of a head of size 2; raise it or use fewer heads',
    ]);
  });

  it('fills the defaults', () => {
    const params = (kind: string) => {
      const r = validateSpec(aloneSpec(position(kind)));
      return r.ok ? r.spec.position.params : null;
    };
    expect(params('rope')).toEqual({ base: 10000, fraction: 1, scaling: 'none', factor: 4, trainedLength: 128, clexSteps: 4, clexWidth: 1 });
    expect(params('t5_bias')).toEqual({ buckets: 32, maxDistance: 128, bidirectional: false });
    expect(params('nope')).toEqual({});
  });

  it.each(['nope', 'sinusoidal', 'rope', 'alibi', 't5_bias'])('%s: a single token (T = 1) matches the reference', async (kind) => {
    await expectMatchesReference(aloneSpec(position(kind)), 'a');
  });
});
