// Prefill against decode (workers/decodeLatency.ts): both kinds measured at every length for every
// model, the decode step at position L − 1 of a graph of capacity L, a model that cannot decode
// keeps its prefill points with the reason for the decode ones, and cancel stops it.
import { describe, expect, it } from 'vitest';
import { compile } from '../../src/compiler/compile';
import { sweepLimit } from '../../src/compiler/stats';
import { decodeStepInputs, decodeSweep, planPoint } from '../../workers/decodeLatency';
import type { Spec } from '../../src/spec/types';
import { aloneSpec } from '../blocks/harness';
import { nodeRuntime } from '../helpers';

const rope = { kind: 'rope', params: {} };
const attention = aloneSpec({ mixer: { kind: 'softmax_attention', params: {} }, position: rope }, { dModel: 32, nHeads: 2, maxLen: 64 });
const window: Spec = aloneSpec({ mixer: { kind: 'sliding_window', params: { window: 8 } }, position: rope }, { dModel: 32, nHeads: 2, maxLen: 64 });
const stateFloats = (spec: Spec, L: number) => {
  const g = compile(spec, { T: L, mode: 'decode' });
  return decodeStepInputs(g, L).filter((t) => t.name.startsWith('state.')).reduce((s, t) => s + t.data.length, 0);
};

describe('decodeSweep', () => {
  it('times one step at position L − 1 with every state at zero', () => {
    const g = compile(attention, { T: 32, mode: 'decode' });
    const inputs = decodeStepInputs(g, 32);
    expect(inputs.find((t) => t.name === 'position')!.data).toEqual(Float32Array.of(31));
    expect(inputs.find((t) => t.name === 'tokens')!.dims).toEqual([1, 1]);
    expect(inputs.filter((t) => t.name.startsWith('state.')).every((t) => t.data.every((v) => v === 0))).toBe(true);
  });

  it('what each step reads: the attention cache grows with L, the sliding window’s stops at the window', () => {
    expect(stateFloats(attention, 64)).toBe(2 * stateFloats(attention, 32));
    expect(stateFloats(window, 64)).toBe(stateFloats(window, 16));
  });

  it('past maxLen where no weight depends on it (RoPE), as the prefill sweep; refused with learned positions', () => {
    expect('bytes' in planPoint(attention, 'decode', 128, sweepLimit(attention))).toBe(true);
    const learned = aloneSpec({ mixer: { kind: 'softmax_attention', params: {} } }, { dModel: 32, nHeads: 2, maxLen: 64 });
    expect(planPoint(learned, 'decode', 128, sweepLimit(learned))).toEqual({ skip: expect.stringMatching(/longer than maxLen \(64\)/) });
  });

  it('measures prefill and decode of both models at every length, in one run, with progress', async () => {
    const rt = await nodeRuntime();
    const progress: number[] = [];
    const spectral = aloneSpec({ mixer: { kind: 'spectral', params: {} } }, { dModel: 32, nHeads: 2, maxLen: 64 });
    const r = await decodeSweep(rt, { models: [{ slot: 'a', spec: attention }, { slot: 'b', spec: spectral }], lengths: [16, 64] }, { cancelled: () => false, onProgress: (p) => progress.push(p.done), runs: 3 });
    expect(r.cancelled).toBe(false);
    expect(progress).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(r.series.map((s) => `${s.slot}:${s.kind}`)).toEqual(['a:prefill', 'a:decode', 'b:prefill', 'b:decode']);
    for (const s of r.series.slice(0, 3)) expect(s.points.map((p) => [p.T, p.ms! > 0])).toEqual([[16, true], [64, true]]);
    // The spectral mixer cannot decode: its decode points say why, its prefill is measured.
    expect(r.series[3]!.points.every((p) => p.ms === null && /cannot decode token by token/.test(p.note!))).toBe(true);
  }, 120_000);

  it('stops once cancelled', async () => {
    const rt = await nodeRuntime();
    let n = 0;
    const r = await decodeSweep(rt, { models: [{ slot: 'a', spec: window }], lengths: [16, 32, 64] }, { cancelled: () => n >= 2, onProgress: () => n++, runs: 3 });
    expect(r.cancelled).toBe(true);
    expect(r.done).toBe(2);
  }, 60_000);
});
