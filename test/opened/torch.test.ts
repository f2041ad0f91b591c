/**
 * The opened-model core on two models torch.onnx.export wrote (fixtures/core-torch/export.py,
 * torch 1.13): a GPT-style decoder whose attention is written out (dynamic Reshape shapes built
 * by Concat; HF-style input_ids / attention_mask / position_ids), and nn.TransformerEncoder
 * (seq-first src [S, N], key_padding_mask, nn.MultiheadAttention's [B·H, T, T] probabilities).
 * The tapped probabilities are compared with the ones torch computed in eager mode (saved
 * beside them as .npy), the logits with torch's.
 */
import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { feeds } from '../../src/opened/inputs';
import { readNpy } from '../../src/opened/npy';
import { probeMaps } from '../../src/opened/probes';
import { readModel } from '../../src/opened/read';
import { tapModel, tapName } from '../../src/opened/tap';
import { ortTensor } from './fixtures';
import { expectClose } from '../helpers';

const file = (name: string) => new Uint8Array(readFileSync(new URL(`./fixtures/core-torch/${name}`, import.meta.url)));
const npy = (name: string) => readNpy(file(name));


describe.each([
  { onnx: 'gpt.onnx', ids: 'gpt_ids.npy', probs: ['gpt_probs0.npy', 'gpt_probs1.npy'], out: 'gpt_logits.npy', roles: ['ids', 'mask', 'positions'], logits: 'logits' },
  { onnx: 'enc.onnx', ids: 'enc_src.npy', probs: ['enc_probs0.npy'], out: 'enc_out.npy', roles: ['ids', 'mask'], logits: 'out' },
])('$onnx', (c) => {
  const { info, model } = readModel(file(c.onnx), c.onnx);
  it('reads roles, vocabulary, logits and two sites of 4 heads', () => {
    expect(info.inputs.map((i) => i.role)).toEqual(c.roles);
    expect([info.vocabSize, info.logits, info.logitsAreProbabilities, info.producer]).toEqual([50, c.logits, false, 'pytorch 1.13.0']);
    expect(info.attention.map((s) => [s.layer, s.heads])).toEqual([[0, 4], [1, 4]]);
  });
  it('the tapped copy gives torch\'s probabilities and outputs', async () => {
    const ids = Array.from(npy(c.ids).data as BigInt64Array, Number);
    const session = await ort.InferenceSession.create(tapModel(model, info.attention));
    const out = await session.run(Object.fromEntries(feeds(info, ids).map((f) => [f.name, ortTensor(f)])));
    await session.release();
    expectClose(out[c.logits]!.data as Float32Array, npy(c.out).data as Float32Array, 1e-4, 'outputs vs torch');
    c.probs.forEach((p, k) => {
      const t = out[tapName(k)]!;
      const maps = probeMaps([...t.dims], t.data as Float32Array, info.attention[k]!.heads);
      expect(maps.heads).toBe(4);
      expectClose(maps.maps, npy(p).data as Float32Array, 1e-5, `site ${k} vs torch`);
    });
  });
});
