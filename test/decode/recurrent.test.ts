// The recurrent mixers decode with a constant state: no byte grows with the context, the size is
// what each block's doc says, and decoding equals the forward pass whatever the forward's chunk
// size and for each of the mixers' special parameters (test/decode/harness.ts, 1e-4), and over a
// 128-token text without error building up in the state.
import { describe, expect, it } from 'vitest';
import { compile } from '../../src/compiler/compile';
import { decodeState } from '../../src/decode/decodeState';
import { defaultLayer } from '../../src/spec/defaults';
import type { Spec } from '../../src/spec/types';
import { toOnnxBytes } from '../../src/graph/onnx';
import { aloneSpec } from '../blocks/harness';
import { nodeRuntime } from '../helpers';
import { decodeLogits, expectDecodeMatchesForward, maxDiff } from './harness';

const SMALL = { dModel: 16, nHeads: 2, maxLen: 24 };
const d = SMALL.dModel;
const hd = d / SMALL.nHeads;
const H = SMALL.nHeads;
const TOKENS = [5, 17, 3, 30, 8, 8, 22, 41, 2, 13];
const LONG = [...TOKENS, 7, 7, 19, 1, 36, 4, 28, 11, 9, 40]; // 20 tokens: 3 chunks of 8

/** Each kind, its parameters, and its state in floats per layer as its doc states it. */
const KINDS: [string, Record<string, unknown>, number][] = [
  ['linear_attention', {}, d * hd + d],
  ['slab', { kernel: 3 }, d * hd + d + 2 * d],
  ['hash_attention', { bits: 16 }, 17 * (d + H)],
  ['retention', {}, d * hd + H],
  ['mamba2', { state: 16 }, 16 * d],
  ['deltanet', {}, d * hd],
  ['lmu', { order: 8 }, 8 * d],
  ['pooling', { size: 3 }, 2 * d],
];

const spec = (kind: string, params: Record<string, unknown>, model: Partial<Spec> = {}) => aloneSpec({ mixer: { kind, params }, ...model }, SMALL);

describe('a recurrent mixer keeps a constant state', () => {
  it.each(KINDS)('%s', (kind, params, floats) => {
    const at = (C: number) => decodeState(spec(kind, params), C).entries;
    expect(at(8).length).toBeGreaterThan(0);
    for (const e of at(8)) {
      expect(e.kind, e.name).toBe('recurrent');
      expect(e.form, e.name).toBe('declared');
      expect(e.bytesPerToken, e.name).toBe(0);
    }
    const bytes = (C: number) => at(C).reduce((s, e) => s + e.bytes, 0);
    expect(bytes(16)).toBe(bytes(8));
    expect(bytes(8)).toBe(4 * floats);
    // The step itself does not grow with the capacity: the same ops on the same shapes.
    const step = (C: number) => compile(spec(kind, params), { T: C, mode: 'decode' }).nodes.map((n) => `${n.op} ${n.outputs.map((o) => o.shape.join('×')).join(" ")}`);
    expect(step(16)).toEqual(step(8));
  });
});

describe('decoding equals the chunked forward pass at every chunk size', () => {
  const chunked = KINDS.filter(([kind]) => kind !== 'pooling');
  it.each(chunked.flatMap(([kind, params]) => [8, 16].map((chunk) => [`${kind} chunk ${chunk}`, kind, { ...params, chunk }] as const)))(
    '%s',
    async (_name, kind, params) => {
      await expectDecodeMatchesForward(spec(kind, params), LONG);
    },
    120_000,
  );
});

describe('special parameters', () => {
  const cases: [string, string, Record<string, unknown>, Partial<Spec>?][] = [
    ['linear_attention elu1', 'linear_attention', { feature: 'elu1', chunk: 8 }],
    ['linear_attention relu', 'linear_attention', { feature: 'relu', chunk: 8 }],
    ['retention rotation retnet (under RoPE, which it ignores)', 'retention', { rotation: 'retnet', chunk: 8 }, { position: { kind: 'rope', params: {} } }],
    ['retention rotation position, RoPE', 'retention', { rotation: 'position', chunk: 8 }, { position: { kind: 'rope', params: {} } }],
    ['retention rotation position, RoPE with PI scaling', 'retention', { rotation: 'position', chunk: 8 }, { position: { kind: 'rope', params: { scaling: 'pi', factor: 2 } } }],
    ['retention rotation position, NoPE', 'retention', { rotation: 'position', chunk: 8 }, { position: { kind: 'nope', params: {} } }],
    ['slab kernel 5', 'slab', { kernel: 5, chunk: 8 }],
    ['pooling size 5', 'pooling', { size: 5 }],
    ['pooling size 15 (window longer than the text)', 'pooling', { size: 15 }],
    ['mamba2 state 4', 'mamba2', { state: 4, chunk: 8 }],
    ['lmu order 4, θ 6', 'lmu', { order: 4, theta: 6, chunk: 8 }],
    ['hash_attention 4 bits, 3 anchors', 'hash_attention', { bits: 4, anchors: 3, chunk: 8 }],
  ];
  it.each(cases)('%s', async (_name, kind, params, model) => {
    await expectDecodeMatchesForward(spec(kind, params, model), LONG);
  }, 120_000);
});

describe('a stack of recurrent mixers', () => {
  it('three layers, each its own state, decode as the forward pass', async () => {
    const layers = ['retention', 'mamba2', 'slab'].map((kind) => ({ ...defaultLayer(), mixer: { kind, params: { chunk: 8 } } }));
    const stack: Spec = { ...spec('linear_attention', {}), layers };
    expect(decodeState(stack, 8).entries.map((e) => `${e.run}.${e.name}`)).toEqual(['0.S', '0.s', '1.h', '2.S', '2.z', '2.recent']);
    await expectDecodeMatchesForward(stack, LONG);
  }, 120_000);
});

describe('a long text: no error builds up in the state', () => {
  // 128 tokens in chunks of 16: every row of one causal forward pass is that prefix's last row.
  it.each(KINDS)('%s', async (kind, params) => {
    const T = 128;
    const tokens = Array.from({ length: T }, (_, i) => (i * 37 + 11) % 60);
    const long = aloneSpec({ mixer: { kind, params: kind === 'pooling' ? params : { ...params, chunk: 16 } } }, { dModel: 32, nHeads: 4, maxLen: T });
    const decoded = await decodeLogits(long, tokens, T);
    const model = await (await nodeRuntime()).load(toOnnxBytes(compile(long, { T, mode: 'fast' })));
    const logits = (await model.run(tokens))['logits']!.data;
    await model.release();
    const V = logits.length / T;
    const worst = Math.max(...decoded.map((row, t) => maxDiff(row, logits.slice(t * V, (t + 1) * V))));
    expect(worst, 'largest |decode − forward| over 128 steps').toBeLessThanOrEqual(1e-4);
  }, 120_000);
});

describe('a pairing a constant state cannot follow decodes by the generic form', () => {
  it('retention with rotation "position" under CLEX: the generic form, exact past the trained length', async () => {
    const spec = aloneSpec({ position: { kind: 'rope', params: { scaling: 'clex', factor: 3, trainedLength: 4, clexSteps: 2 } }, mixer: { kind: 'retention', params: { rotation: 'position' } } }, { dModel: 16, nHeads: 2, maxLen: 16 });
    expect(decodeState(spec, 8).entries.map((e) => [e.form, e.name])).toEqual([['generic', 'inputs']]);
    await expectDecodeMatchesForward(spec, [5, 17, 3, 30, 8, 8, 22, 41, 2, 13]); // t changes at lengths 5 and 9
  }, 120_000);
});
