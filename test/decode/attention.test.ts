// Decode forms of the attention variants beyond the every-mixer test (decode.test.ts): parameters
// other than the defaults (one key/value head, several windows and combs, the shifted grid, feature
// maps, position blocks), EchoAtt over every kind of source cache, and the cache size per token
// that decodeState reports against the formula each block's doc states.
import { describe, expect, it } from 'vitest';
import { compile } from '../../src/compiler/compile';
import { startDecoding } from '../../src/decode/driver';
import { decodeState } from '../../src/decode/decodeState';
import { toOnnxBytes } from '../../src/graph/onnx';
import { defaultLayer, defaultSpec } from '../../src/spec/defaults';
import type { BlockRef, Spec } from '../../src/spec/types';
import { aloneSpec } from '../blocks/harness';
import { nodeRuntime } from '../helpers';
import { decodeLogits, expectDecodeMatchesForward, maxDiff } from './harness';

const MODEL = { dModel: 16, nHeads: 4, maxLen: 16 }; // headDim 4
const [d, H, hd] = [16, 4, 4];
const TOKENS = [5, 17, 3, 30, 8, 8, 22, 41, 2, 13, 7, 19];

/** Floats one more token of context adds to the decode state of `spec` at capacity C. */
const floatsPerToken = (spec: Spec, C: number) => decodeState(spec, C).entries.reduce((s, e) => s + e.bytesPerToken, 0) / 4;
/** A model of the given mixers, one layer each, in order. */
const stack = (mixers: BlockRef[], position: BlockRef = { kind: 'learned_absolute', params: {} }): Spec => ({
  ...defaultSpec(),
  ...MODEL,
  position,
  layers: mixers.map((mixer) => ({ ...defaultLayer(), mixer })),
});
const alone = (kind: string, params: Record<string, unknown>, position?: BlockRef) => aloneSpec({ mixer: { kind, params }, ...(position ? { position } : {}) }, MODEL);

describe('K/V caches with one key/value head (multi-query)', () => {
  it.each([
    ['selective_attention', {}],
    ['power_softmax', { power: 4 }],
    ['retention_decay', { initValue: 1, headsRange: 6 }],
    ['dilated_attention', { dilation: 2, span: 3 }],
  ])('%s %j: decodes exactly, and caches 2 · 1 · headDim floats per token', async (kind, params) => {
    const spec = alone(kind, { ...params, kvHeads: 1 });
    expect(floatsPerToken(spec, 4)).toBe(2 * 1 * hd);
    await expectDecodeMatchesForward(spec, TOKENS);
  }, 120_000);
});

describe('position blocks inside the decode forms', () => {
  it.each([
    ['power_softmax', { power: 2 }, 'alibi'],
    ['retention_decay', {}, 'rope'],
    ['selective_attention', {}, 't5_bias'],
    ['minimal_attention', { symmetric: true }, 'rope'],
    ['minimal_attention', { symmetric: false }, 'alibi'],
    ['tokenformer', { tokens: 4 }, 'rope'],
    ['shifted_window', { window: 4 }, 'rope'],
  ])('%s %j with %s', async (kind, params, position) => {
    await expectDecodeMatchesForward(alone(kind, params, { kind: position, params: {} }), TOKENS);
  }, 120_000);
});

describe('dilated attention: a ring of the last d·(span − 1) + 1 positions, read every d-th', () => {
  it.each([
    [1, 3], // a plain window of 3
    [3, 2], // keys 0 and 3 back: a ring of 4
    [2, 5], // reaches 8 back: a ring of 9
  ])('dilation %i, span %i', async (dilation, span) => {
    const spec = alone('dilated_attention', { dilation, span });
    const ring = dilation * (span - 1) + 1;
    expect(decodeState(spec, 12).entries.map((e) => e.shape)).toEqual([[H, Math.min(12, ring), hd], [H, Math.min(12, ring), hd]]);
    expect(floatsPerToken(spec, ring - 1)).toBe(2 * d); // below the ring: 2·d per token
    expect(floatsPerToken(spec, ring)).toBe(0); // the ring caps it
    await expectDecodeMatchesForward(spec, TOKENS);
  }, 120_000);
});

describe('shifted windows: a ring of w, the window start from the step grid', () => {
  // The Swin layer is run 1 (odd: its grid is shifted) and the last layer (see the block's doc).
  it.each([
    [4, true, true],
    [5, true, true],
    [3, true, false],
    [4, false, true],
    [2, true, true],
  ])('window %i, shift %s, relative bias %s', async (window, shift, relativeBias) => {
    const spec = stack([
      { kind: 'softmax_attention', params: {} },
      { kind: 'shifted_window', params: { window, shift, relativeBias } },
    ]);
    const swin = decodeState(spec, 12).entries.filter((e) => e.run === 1);
    expect(swin.map((e) => e.shape)).toEqual([[H, window, hd], [H, window, hd]]);
    expect(floatsPerToken(spec, window - 1) - floatsPerToken(spec, 12)).toBe(2 * d); // run 1 adds 2·d below w
    await expectDecodeMatchesForward(spec, TOKENS);
  }, 120_000);
});

describe('cache sizes per token per layer', () => {
  it.each([
    ['kernel_rpe', { feature: 'elu1' }, H * (hd + hd)],
    ['kernel_rpe', { feature: 'prf', features: 8 }, H * (8 + hd)],
    ['minimal_attention', { symmetric: false }, d],
    ['minimal_attention', { symmetric: true }, 2 * d],
    ['token_mixing_mlp', {}, d],
    ['tokenformer', { tokens: 4 }, 2 * d],
    ['selective_attention', { kvHeads: 2 }, 2 * 2 * hd],
    ['ponet', { segment: 3, window: 5 }, d], // the GA keys; the running sums, maxima and the ring of L are constant
    ['ponet', { segment: 5, window: 2 }, d],
  ])('%s %j: %i floats, and decoding matches', async (kind, params, floats) => {
    const spec = alone(kind, params);
    expect(floatsPerToken(spec, 8)).toBe(floats);
    expect(decodeState(spec, 8).entries.every((e) => e.form === 'declared')).toBe(true);
    await expectDecodeMatchesForward(spec, TOKENS);
  }, 120_000);
});

describe('EchoAtt decodes with the row of its source, over any cache layout', () => {
  const echo = (from: number): BlockRef => ({ kind: 'echo_attention', params: { from } });
  it.each([
    ['a full cache, one key/value head', [{ kind: 'softmax_attention', params: { kvHeads: 1 } }, echo(-1)]],
    ['a sliding-window ring', [{ kind: 'sliding_window', params: { window: 3 } }, echo(-1)]],
    ['sinks and a ring', [{ kind: 'sink_attention', params: { sinks: 2, window: 3 } }, echo(-1)]],
    ['a dilated comb', [{ kind: 'dilated_attention', params: { dilation: 2, span: 3 } }, echo(-1)]],
    ['a window grid, two runs back', [{ kind: 'softmax_attention', params: {} }, { kind: 'shifted_window', params: { window: 4, shift: false } }, { kind: 'minimal_attention', params: {} }, echo(1)]],
    ['minimal attention', [{ kind: 'minimal_attention', params: { symmetric: true } }, echo(-1)]],
    ['the token-mixing matrix', [{ kind: 'token_mixing_mlp', params: {} }, echo(-1)]],
    ['another EchoAtt (retention decay first)', [{ kind: 'retention_decay', params: {} }, echo(-1), echo(-1)]],
  ] as [string, BlockRef[]][])('%s', async (_name, mixers) => {
    const spec = stack(mixers);
    const last = decodeState(spec, 8).entries.filter((e) => e.run === mixers.length - 1);
    expect(last.map((e) => [e.name, e.bytesPerToken / 4])).toEqual([['v', d]]); // its own values: d per token
    await expectDecodeMatchesForward(spec, TOKENS);
  }, 120_000);
});

describe('the rows and the eviction re-run of these forms', () => {
  const kinds: [string, Record<string, unknown>][] = [
    ['dilated_attention', { dilation: 2, span: 3 }],
    ['selective_attention', {}],
    ['power_softmax', {}],
    ['retention_decay', {}],
    ['minimal_attention', { symmetric: false }],
    ['minimal_attention', { symmetric: true }],
    ['tokenformer', { tokens: 4 }],
    ['shifted_window', { window: 4 }],
    ['kernel_rpe', {}],
  ];
  it.each(kinds)('%s %j: rows are distributions over the slots; keeping every slot changes nothing', async (kind, params) => {
    const spec = alone(kind, params);
    const C = 8;
    const runtime = await nodeRuntime();
    const steps = TOKENS.slice(0, C);
    const plain = await decodeLogits(spec, steps, C);
    const model = await runtime.load(toOnnxBytes(compile(spec, { T: C, mode: 'decode', rows: true, evict: true })));
    expect(model.weightNames.some((n) => n.startsWith('keep.'))).toBe(true);
    const run = startDecoding(model, spec, C);
    for (let t = 0; t < steps.length; t++) {
      const { logits, rows } = await run.step(steps[t]!, (_r, heads, slots) => new Float32Array(heads * slots).fill(1));
      expect(maxDiff(logits, plain[t]!)).toBeLessThan(1e-5);
      const row = rows.get(0)!;
      const slots = row.dims[3]!;
      for (let h = 0; h < H; h++) expect(row.data.slice(h * slots, (h + 1) * slots).reduce((a, x) => a + x, 0)).toBeCloseTo(1, 4);
    }
    await model.release();
  }, 120_000);
});

describe('Block Transformer: K/V cache plus one input sum per block', () => {
  it.each([
    [4, { kind: 'rope', params: {} }],
    [3, { kind: 'rope', params: { scaling: 'clex', factor: 3, trainedLength: 4, clexSteps: 2 } }], // frequencies change with the length
    [2, { kind: 'learned_absolute', params: {} }],
  ] as [number, BlockRef][])('block %i, %j', async (block, position) => {
    const spec = alone('block_transformer', { block }, position);
    expect(floatsPerToken(spec, 2 * block + 1)).toBe(2 * d); // inside a block: keys and values
    expect(floatsPerToken(spec, 2 * block)).toBe(3 * d); // the token that opens a block adds its input sum
    await expectDecodeMatchesForward(spec, TOKENS);
  }, 120_000);
});

describe('TNT: a ring of the current group plus two sums per group', () => {
  // Not with CLEX: the group sums keep inner results from earlier lengths (see the block's doc).
  it.each([
    [4, { kind: 'rope', params: {} }],
    [3, { kind: 'alibi', params: {} }],
    [2, { kind: 'learned_absolute', params: {} }],
  ] as [number, BlockRef][])('block %i, %j', async (block, position) => {
    const spec = alone('tnt', { block }, position);
    expect(decodeState(spec, 12).entries.find((e) => e.name === 'k')!.shape).toEqual([H, block, hd]);
    expect(floatsPerToken(spec, 2 * block + 1)).toBe(0); // the ring is full and the group already counted
    expect(floatsPerToken(spec, 2 * block)).toBe(2 * d); // a new group: its input sum and sentence-value sum
    await expectDecodeMatchesForward(spec, TOKENS);
  }, 120_000);
});
