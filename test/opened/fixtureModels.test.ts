/**
 * The opened-model core on the "Open your own model" fixtures (test/opened/fixtures.ts: torch
 * exports with torch's own maps in *.ref.json, a fused com.microsoft Attention, and PaddleOCR's
 * PP-OCRv4 recogniser): readModel, feeds, tapModel and probeMaps end to end, each tapped map
 * compared with what torch computed.
 */
import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { feeds } from '../../src/opened/inputs';
import { probeMaps } from '../../src/opened/probes';
import { readModel } from '../../src/opened/read';
import { tapModel, tapName } from '../../src/opened/tap';
import { expectClose } from '../helpers';
import { fixtureBytes, loadRef, ocrModelPath, type FixtureName, type RefName, ortTensor } from './fixtures';


describe.each([['torch-encoder', 'torch-encoder.onnx'], ['torch-gpt2', 'torch-gpt2.onnx']] as [RefName, FixtureName][])('%s', (refName, file) => {
  const ref = loadRef(refName);
  const { info, model } = readModel(fixtureBytes(file), file);
  it('reads one site per layer with the reference\'s heads, the ids, the vocabulary and the logits', () => {
    expect(info.attention.map((s) => s.heads)).toEqual(Array(ref.layers).fill(ref.heads));
    expect(info.inputs.find((i) => i.role === 'ids')?.name).toBe('input_ids');
    expect(info.vocabSize).toBeGreaterThan(Math.max(...ref.input_ids));
    expect(info.logits).not.toBeNull();
    expect(info.fused).toEqual([]);
  });
  it('its tapped maps are torch\'s', async () => {
    const session = await ort.InferenceSession.create(tapModel(model, info.attention));
    const out = await session.run(Object.fromEntries(feeds(info, ref.input_ids).map((f) => [f.name, ortTensor(f)])));
    await session.release();
    info.attention.forEach((site, k) => {
      const t = out[tapName(k)]!;
      const m = probeMaps([...t.dims], t.data as Float32Array, site.heads);
      expect([m.heads, m.Tq, m.Tk]).toEqual([ref.heads, ref.T, ref.T]);
      expectClose(m.maps, ref.maps[k]!.flat(), 1e-5, `${file} site ${k}`); // the reference is rounded to 7 digits
    });
    const logits = out[info.logits!]!;
    const V = info.vocabSize!;
    const last = Array.from((logits.data as Float32Array).subarray((ref.T - 1) * V, (ref.T - 1) * V + 10));
    expectClose(last, ref.logits_last, 1e-4, `${file} logits`);
  });
});

describe('fused-attention.onnx', () => {
  it('is listed as fused, with no sites', () => {
    const { info } = readModel(fixtureBytes('fused-attention.onnx'), 'fused-attention.onnx');
    expect(info.attention).toEqual([]);
    expect(info.fused.map((f) => [f.opType, f.domain])).toEqual([['Attention', 'com.microsoft']]);
  });
});

describe('PP-OCRv4 recogniser', () => {
  const { info, model } = readModel(new Uint8Array(readFileSync(ocrModelPath())), 'rec.onnx');
  it('has an image input, two attention sites and not the classifier Softmax; its output holds probabilities', () => {
    expect(info.inputs.map((i) => [i.name, i.role])).toEqual([['x', 'other']]);
    expect(info.opset).toBe(9);
    expect(info.attention).toHaveLength(2);
    expect(info.logits).not.toBeNull();
    expect(info.logitsAreProbabilities).toBe(true);
  });
  it('its tapped maps are distributions over the keys', async () => {
    const session = await ort.InferenceSession.create(tapModel(model, info.attention));
    const out = await session.run(Object.fromEntries(feeds(info, [], { x: { kind: 'data', dims: [1, 3, 48, 160], data: Float32Array.from({ length: 3 * 48 * 160 }, (_, i) => Math.sin(i * 0.37)) } }).map((f) => [f.name, ortTensor(f)])));
    await session.release();
    for (const [k, site] of info.attention.entries()) {
      const t = out[tapName(k)]!;
      const m = probeMaps([...t.dims], t.data as Float32Array, site.heads);
      for (let r = 0; r < m.heads * m.Tq; r++) expect(Math.abs(m.maps.subarray(r * m.Tk, (r + 1) * m.Tk).reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-4);
    }
  });
});
