/**
 * KV-cache bytes per token as the serving projection reads them off the blocks' declared decode
 * state (decodeState, via workers/servingModel.ts), against the formula written here from the
 * attention shapes alone: softmax attention keeps K and V, kvHeads × headDim each per token and
 * layer, so 2·kvHeads·headDim·bytes·layers bytes a token (MHA: kvHeads = heads; GQA: fewer; MQA: 1);
 * a sliding window keeps at most `window` tokens; a recurrent state has the same size at any context.
 */
import { describe, expect, it } from 'vitest';
import { findBlock, kindsOf } from '../../../src/blocks/registry';
import { defaultLayer, defaultSpec } from '../../../src/spec/defaults';
import type { Spec } from '../../../src/spec/types';
import { MAX_CONTEXT, projectAt, stateAt, type ServingModel } from '../../../src/analysis/serving/projection';
import { servingModel, stateForms } from '../../../workers/servingModel';

const FLOAT32 = 4;
const spec = (mixer: { kind: string; params: Record<string, unknown> }, layers = 3): Spec => ({
  ...defaultSpec(),
  dModel: 64,
  nHeads: 8,
  layers: Array.from({ length: layers }, () => ({ ...defaultLayer(), mixer })),
});
/** Bytes a token of K/V cache, from the formula. */
const kvPerToken = (kvHeads: number, headDim: number, bytes: number, layers: number) => 2 * kvHeads * headDim * bytes * layers;

/** Mixers that declare a decode form whose every state tensor is recurrent (at this test's shapes). */
function recurrentKinds(): string[] {
  return kindsOf('mixer').filter((kind) => {
    const decode = findBlock('mixer', kind)?.decode;
    if (!decode || !('state' in decode)) return false;
    try {
      const forms = stateForms(spec({ kind, params: {} }, 2));
      return forms.length > 0 && forms.every((f) => f.kind === 'recurrent');
    } catch {
      return false;
    }
  });
}

describe('KV bytes per token from the declared decode state', () => {
  const headDim = 64 / 8;
  const cases: [string, Spec, number][] = [
    ['MHA (kvHeads = heads)', spec({ kind: 'softmax_attention', params: { causal: true, kvHeads: 0 } }), 8],
    ['GQA (2 K/V heads for 8)', spec({ kind: 'softmax_attention', params: { causal: true, kvHeads: 2 } }), 2],
    ['MQA (1 K/V head)', spec({ kind: 'softmax_attention', params: { causal: true, kvHeads: 1 } }), 1],
  ];
  for (const [what, s, kvHeads] of cases)
    it(`${what}: 2·kvHeads·headDim·bytes·layers`, () => {
      const forms = stateForms(s);
      const perToken = forms.reduce((t, f) => t + f.perToken, 0);
      expect(perToken).toBe(kvPerToken(kvHeads, headDim, FLOAT32, 3));
      expect(forms.every((f) => f.kind === 'cache' && f.cap === null && f.constant === 0)).toBe(true);
      // Through the projection, in bf16 at batch 4.
      const m = servingModel(s);
      const p = projectAt(m, { bytesPerNumber: 2, batch: 4, memoryBytes: 80e9, bandwidth: 3.35e12, peakFlops: 989.4e12 }, 1000);
      expect(p.stateBytesPerToken).toBe(4 * kvPerToken(kvHeads, headDim, 2, 3));
      expect(p.stateBytes).toBe(4 * 1000 * kvPerToken(kvHeads, headDim, 2, 3));
    });

  it('a sliding window caps the cache at the window', () => {
    const window = 16;
    const s = spec({ kind: 'sliding_window', params: { causal: true, kvHeads: 2, window } });
    const forms = stateForms(s);
    const m = { state: forms } as ServingModel;
    const per = kvPerToken(2, headDim, FLOAT32, 3);
    expect(stateAt(m, 5).cache).toBe(5 * per);
    expect(stateAt(m, window).cache).toBe(window * per);
    expect(stateAt(m, MAX_CONTEXT).cache).toBe(window * per);
  });

  // One test per mixer whose declared decode state is all recurrent (retention, Mamba-2, DeltaNet, … once
  // their decode forms are registered): the same bytes at every context.
  for (const kind of recurrentKinds())
    it(`${kind}: its recurrent state keeps the same bytes at every context`, () => {
      const forms = stateForms(spec({ kind, params: {} }, 2));
      expect(forms.every((f) => f.perToken === 0 && f.constant > 0)).toBe(true);
      const m = { state: forms } as ServingModel;
      expect(stateAt(m, MAX_CONTEXT).recurrent).toBe(stateAt(m, 1).recurrent);
      expect(stateAt(m, MAX_CONTEXT).cache).toBe(0);
    });
});
