// The decode graph of every mixer and every position block agrees with the forward pass
// (test/decode/harness.ts), and mixers that cannot decode are refused with their reason.
import { describe, expect, it } from 'vitest';
import { BLOCKS } from '../../src/blocks/registry';
import { compile } from '../../src/compiler/compile';
import { decodeState } from '../../src/decode/decodeState';
import { aloneSpec } from '../blocks/harness';
import { expectDecodeMatchesForward } from './harness';

const SMALL = { dModel: 16, nHeads: 2, maxLen: 16 };
const TOKENS = [5, 17, 3, 30, 8, 8, 22, 41, 2, 13];

/** Parameters that make a mixer's structure show within 10 tokens (windows that wrap, groups that close). */
const PARAMS: Record<string, Record<string, unknown>> = {
  sliding_window: { window: 3 },
  sink_attention: { sinks: 2, window: 3 },
  dilated_attention: { span: 4 },
  shifted_window: { window: 4 },
  combiner: { block: 3 },
  block_transformer: { block: 3 },
  tnt: { block: 3 },
  fit: { block: 3 },
  ponet: { segment: 4 },
  tokenformer: { tokens: 8 },
};

/** Mixers with no token-by-token form, and a word of the reason they give. */
const REFUSED: Record<string, string> = {
  spectral: 'causal',
  prob_sparse: 'whole sequence',
};

const mixers = BLOCKS.filter((b) => b.slot === 'mixer');

describe('the decode graph of every mixer equals the forward pass at each length', () => {
  it.each(mixers.filter((m) => !(m.kind in REFUSED)).map((m) => [m.kind] as const))('%s', async (kind) => {
    await expectDecodeMatchesForward(aloneSpec({ mixer: { kind, params: PARAMS[kind] ?? {} } }, SMALL), TOKENS);
  }, 120_000);
});

describe('mixers that cannot decode say why', () => {
  it.each(Object.entries(REFUSED))('%s', (kind, word) => {
    expect(() => compile(aloneSpec({ mixer: { kind, params: {} } }, SMALL), { T: 8, mode: 'decode' })).toThrow(word);
  });
  it('a bidirectional mixer is refused', () => {
    expect(() => compile(aloneSpec({ mixer: { kind: 'softmax_attention', params: { causal: false } } }, SMALL), { T: 8, mode: 'decode' })).toThrow(/bidirectional/);
  });
});

describe('the decode graph with every position block', () => {
  const positions: [string, Record<string, unknown>][] = [
    ['learned_absolute', {}],
    ['sinusoidal', {}],
    ['nope', {}],
    ['rope', {}],
    ['rope', { scaling: 'pi', factor: 2 }],
    ['rope', { scaling: 'ntk', factor: 2 }],
    ['rope', { scaling: 'clex', factor: 3, trainedLength: 4, clexSteps: 2 }], // t changes at lengths 5 and 9
    ['alibi', {}],
    ['t5_bias', { buckets: 8, maxDistance: 16 }],
  ];
  it.each(positions.map(([kind, params]) => [`${kind} ${JSON.stringify(params)}`, kind, params] as const))('%s', async (_name, kind, params) => {
    for (const mixer of ['softmax_attention', 'sink_attention']) {
      await expectDecodeMatchesForward(aloneSpec({ position: { kind, params }, mixer: { kind: mixer, params: PARAMS[mixer] ?? {} } }, SMALL), TOKENS);
    }
  }, 120_000);
});

describe('grouped-query attention shrinks the cache', () => {
  it('the K/V cache is 2 · kvHeads · headDim floats per token per layer, and decoding still matches', async () => {
    for (const kvHeads of [0, 1]) {
      const spec = aloneSpec({ mixer: { kind: 'softmax_attention', params: { kvHeads } } }, { dModel: 16, nHeads: 4, maxLen: 16 });
      const perToken = decodeState(spec, 8).entries.reduce((s, e) => s + e.bytesPerToken, 0);
      expect(perToken).toBe(4 * 2 * (kvHeads || 4) * 4); // float32 · (K and V) · heads · headDim
      await expectDecodeMatchesForward(spec, TOKENS);
    }
  }, 120_000);
  it('a sliding window caps the cache at the window', () => {
    const spec = aloneSpec({ mixer: { kind: 'sliding_window', params: { window: 3 } } }, SMALL);
    expect(decodeState(spec, 16).entries.map((e) => e.shape)).toEqual([[2, 3, 8], [2, 3, 8]]);
    expect(decodeState(spec, 16).entries.every((e) => e.bytesPerToken === 0)).toBe(true);
  });
});
