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

describe('models no cache can follow are refused as a whole', () => {
  const clex = { kind: 'rope', params: { scaling: 'clex', factor: 3, trainedLength: 4, clexSteps: 2 } };
  const twoLayers = (spec: ReturnType<typeof aloneSpec>) => ({ ...spec, layers: [spec.layers[0]!, spec.layers[0]!] });
  it('CLEX in a stack, past its trained length: refused with the reason; within it: exact', async () => {
    const spec = twoLayers(aloneSpec({ position: clex, mixer: { kind: 'softmax_attention', params: {} } }, SMALL));
    expect(() => compile(spec, { T: 8, mode: 'decode' })).toThrow(/cannot decode token by token: CLEX/);
    expect(decodeState(spec, 8).refused.map((r) => r.run)).toEqual([-1]);
    // The forward pass at each length does differ from a cached decode: the refusal is needed.
    // Within the trained length (maxLen ≤ L) the rotation never changes, and decoding is exact.
    await expectDecodeMatchesForward({ ...spec, maxLen: 4, position: { ...clex, params: { ...clex.params, trainedLength: 4 } } }, TOKENS.slice(0, 4));
  }, 120_000);
  it('a shifted-window layer run with a layer after it: refused; shifted last: exact', async () => {
    const sw = { kind: 'shifted_window', params: { window: 4 } };
    const base = aloneSpec({ mixer: sw }, SMALL);
    const three = { ...base, layers: [base.layers[0]!, base.layers[0]!, base.layers[0]!] };
    expect(() => compile(three, { T: 8, mode: 'decode' })).toThrow(/layer run 1 shifts its windows/);
    await expectDecodeMatchesForward(twoLayers(base), TOKENS);
  }, 120_000);
});

describe('each layer run names its decode form for the page', () => {
  it('a cache, a constant state, the generic form, and a whole-model refusal', async () => {
    const { decodeForms } = await import('../../src/decode/decodeState');
    const base = aloneSpec({ mixer: { kind: 'softmax_attention', params: {} } }, SMALL);
    const layer = base.layers[0]!;
    const hybrid = { ...base, layers: [layer, { ...layer, mixer: { kind: 'mamba2', params: {} } }, { ...layer, mixer: { kind: 'combiner', params: {} } }] };
    expect(decodeForms(hybrid)).toBe('run 0: cache · run 1: constant state · run 2: generic (recomputes its context each step)');
    const clex = { ...hybrid, position: { kind: 'rope', params: { scaling: 'clex', trainedLength: 4 } } };
    expect(decodeForms(clex)).toMatch(/^no decode graph: CLEX/);
  });
});
