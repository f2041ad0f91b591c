import { onnx } from 'onnx-proto';
import { describe, expect, it } from 'vitest';
import { compile } from '../../src/compiler/compile';
import { IR_VERSION, OPSET_VERSION, toOnnxBytes } from '../../src/graph/onnx';
import { defaultSpec } from '../../src/spec/defaults';
import { VOCAB_SIZE } from '../../src/spec/vocab';

const decode = (bytes: Uint8Array) => {
  const m = onnx.ModelProto.decode(bytes);
  return { irVersion: m.irVersion, opsetImport: m.opsetImport, graph: m.graph as onnx.GraphProto };
};
const dims = (v: onnx.IValueInfoProto) => v.type!.tensorType!.shape!.dim!.map((d) => Number(d.dimValue));

describe('ONNX serialisation', () => {
  it('writes opset 17, IR 8 and the graph contract of the inspect mode', () => {
    const m = decode(toOnnxBytes(compile(defaultSpec(), { T: 5, mode: 'inspect' })));
    expect(Number(m.irVersion)).toBe(IR_VERSION);
    expect(m.opsetImport.map((o) => [o.domain, Number(o.version)])).toEqual([['', OPSET_VERSION]]);
    const g = m.graph!;
    expect(g.input.map((i) => [i.name, i.type!.tensorType!.elemType, dims(i)])).toEqual([['tokens', onnx.TensorProto.DataType.INT64, [1, 5]]]);
    const outs = Object.fromEntries(g.output.map((o) => [o.name, dims(o)]));
    expect(outs).toEqual({
      'attn_probs.0': [1, 4, 5, 5],
      'attn_entropy.0': [1, 4, 5],
      'attn_probs.1': [1, 4, 5, 5],
      'attn_entropy.1': [1, 4, 5],
      logits: [1, 5, VOCAB_SIZE],
      resid_rms: [3, 5],
      'sim_mixer.0': [1, 5],
      'sim_ffn.0': [1, 5],
      'sim_mixer.1': [1, 5],
      'sim_ffn.1': [1, 5],
    });
  });

  it('the fast mode has logits only', () => {
    const g = decode(toOnnxBytes(compile(defaultSpec(), { T: 5, mode: 'fast' }))).graph!;
    expect(g.output.map((o) => o.name)).toEqual(['logits']);
  });

  it('stores initialisers as little-endian raw bytes that decode to the same values', () => {
    const graph = compile(defaultSpec(), { T: 3, mode: 'fast' });
    const g = decode(toOnnxBytes(graph)).graph!;
    const wq = graph.initializers.find((i) => i.tensor.name === 'layers.0.mixer.wq')!;
    const stored = g.initializer.find((t) => t.name === 'layers.0.mixer.wq') as onnx.TensorProto;
    expect(stored.dims.map(Number)).toEqual([64, 64]);
    expect(stored.floatData).toEqual([]);
    const view = new DataView(stored.rawData.buffer, stored.rawData.byteOffset, stored.rawData.byteLength);
    const values = Array.from({ length: 64 * 64 }, (_, i) => view.getFloat32(i * 4, true));
    expect(values).toEqual(Array.from(wq.data as Float32Array));
    const positions = g.initializer.find((t) => t.name?.startsWith('positions')) as onnx.TensorProto;
    const pv = new DataView(positions.rawData.buffer, positions.rawData.byteOffset, positions.rawData.byteLength);
    expect([0, 1, 2].map((i) => Number(pv.getBigInt64(i * 8, true)))).toEqual([0, 1, 2]);
  });

  it('records the emitting scope on each node for tools that read the file', () => {
    const g = decode(toOnnxBytes(compile(defaultSpec(), { T: 3, mode: 'fast' }))).graph!;
    const softmax = g.node.filter((n) => n.opType === 'Softmax');
    expect(softmax.map((n) => n.docString)).toEqual(['layer 0 · mixer: softmax_attention', 'layer 1 · mixer: softmax_attention']);
  });
});
