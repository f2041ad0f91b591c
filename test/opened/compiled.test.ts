/**
 * The opened-model core on the playground's own models: a preset compiled in fast mode (weights
 * baked, no probes) is read as a person's file would be; its attention sites must be the spec's
 * softmax-attention layer runs with the spec's heads, and the tapped copy, run in onnxruntime-node,
 * must give the same probabilities as the inspect graph's attn_probs.<run> (a separately verified
 * path: test/blocks) on the same tokens with the same seeded weights, and the same logits as the
 * untouched model.
 */
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { compile } from '../../src/compiler/compile';
import { toOnnxBytes } from '../../src/graph/onnx';
import { readModel } from '../../src/opened/read';
import { tapModel, tapName } from '../../src/opened/tap';
import { onnx } from './build';
import { feeds } from '../../src/opened/inputs';
import { probeMaps } from '../../src/opened/probes';
import { findPreset } from '../../src/presets/index';
import { defaultSpec } from '../../src/spec/defaults';
import { VOCAB_SIZE } from '../../src/spec/vocab';
import type { Spec } from '../../src/spec/types';
import { expectClose, rng } from '../helpers';

const T = 12;
/** Mixers whose map is a softmax over q·kᵀ scores. */
const SOFTMAX_MIXERS = new Set(['softmax_attention', 'sliding_window']);

const CASES: [string, () => Spec][] = [
  ['defaultSpec', defaultSpec],
  ...['llama-style', 'alibi', 'sliding-window', 'mistral-style', 'post-ln', 'mamba-hybrid'].map((id): [string, () => Spec] => [id, () => findPreset(id)!.spec()]),
];

async function run(bytes: Uint8Array, feed: Record<string, ort.Tensor>): Promise<Record<string, { dims: number[]; data: Float32Array }>> {
  const session = await ort.InferenceSession.create(bytes, { executionProviders: ['cpu'], intraOpNumThreads: 1, interOpNumThreads: 1 });
  try {
    const out = await session.run(feed);
    return Object.fromEntries(Object.entries(out).map(([k, t]) => [k, { dims: [...t.dims], data: t.data as Float32Array }]));
  } finally {
    await session.release();
  }
}

describe.each(CASES)('%s compiled in fast mode', (_id, make) => {
  const spec = make();
  // Layer runs with softmax attention, from the spec (no loops in these presets: run r = layer r).
  const runs = spec.layers.map((l, r) => (SOFTMAX_MIXERS.has(l.mixer.kind) ? r : -1)).filter((r) => r >= 0);
  const fast = compile(spec, { T, mode: 'fast' });
  const bytes = toOnnxBytes(fast);
  const { info, model } = readModel(bytes, 'model.onnx');

  it('reads the file: inputs, vocabulary, logits, sizes', () => {
    expect(spec.loops).toEqual([]);
    expect(info.inputs).toEqual([{ name: 'tokens', role: 'ids', type: 'int64', dims: [1, T] }]);
    expect(info.vocabSize).toBe(VOCAB_SIZE);
    expect(info.logits).toBe('logits');
    expect(info.logitsAreProbabilities).toBe(false);
    expect(info.outputs).toEqual([{ name: 'logits', type: 'float32', dims: [1, T, VOCAB_SIZE] }]);
    expect(info.opset).toBe(17);
    expect(info.producer).toBe('transformer-playground 0.1');
    expect(info.nodes).toBe(fast.nodes.length);
    expect(info.weightBytes).toBe(fast.initializers.reduce((a, i) => a + i.data.byteLength, 0));
    expect(info.fileBytes).toBe(bytes.length);
    expect(info.fused).toEqual([]);
  });

  it('finds one site per softmax-attention layer run, with the spec\'s heads', () => {
    expect(info.attention.map((s) => s.layer)).toEqual(runs.map((_, k) => k));
    expect(info.attention.map((s) => s.heads)).toEqual(runs.map(() => spec.nHeads));
  });

  it('the tapped copy gives the inspect graph\'s probabilities and the model\'s own logits', async () => {
    const r = rng(7);
    const ids = Array.from({ length: T }, () => Math.floor(r() * VOCAB_SIZE));
    const feed = Object.fromEntries(feeds(info, ids).map((f) => [f.name, new ort.Tensor('int64', f.data as BigInt64Array, f.dims)]));
    const encode = () => onnx.ModelProto.encode(model).finish();
    const before = encode();
    const tapped = tapModel(model, info.attention);
    expect(encode()).toEqual(before); // the decoded model is left as it was
    const [plain, taps, inspect] = await Promise.all([run(bytes, feed), run(tapped, feed), run(toOnnxBytes(compile(spec, { T, mode: 'inspect' })), feed)]);
    expect(Array.from(taps.logits!.data)).toEqual(Array.from(plain.logits!.data));
    runs.forEach((run, k) => {
      const tap = taps[tapName(k)]!;
      const want = inspect[`attn_probs.${run}`]!;
      expect(tap.dims).toEqual([1, spec.nHeads, T, T]);
      expectClose(tap.data, want.data, 1e-5, `site ${k} vs attn_probs.${run}`);
      const { heads, Tq, Tk, maps } = probeMaps(tap.dims, tap.data, info.attention[k]!.heads);
      expect([heads, Tq, Tk]).toEqual([spec.nHeads, T, T]);
      for (let row = 0; row < heads * Tq; row++) {
        const sum = maps.subarray(row * Tk, (row + 1) * Tk).reduce((a, b) => a + b, 0);
        expect(Math.abs(sum - 1)).toBeLessThan(1e-5);
      }
    });
  });
});
