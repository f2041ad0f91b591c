/** readModel on hand-built files: each refusal's sentence, what OpenedInfo says of a small language model, and the opset limit against onnxruntime itself. */
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { checkSize, MAX_FILE_BYTES, MAX_OPSET, MIN_OPSET, readModel } from '../../src/opened/read';
import { OpenError } from '../../src/opened/types';
import { bytesOf, floats, FLOAT, INT64, model, node, vi, type Parts } from './build';

const V = 10;
const D = 4;

/** ids [B, T] → Gather(embed) → MatMul(W) → logits [B, T, V]: the smallest "language model". */
function lm(over: Partial<Parts> = {}): Parts {
  return {
    nodes: [node('Gather', ['embed', 'input_ids'], ['x']), node('MatMul', ['x', 'W'], ['logits'])],
    inputs: [vi('input_ids', INT64, ['batch', 'seq'])],
    outputs: [vi('logits', FLOAT, ['batch', 'seq', V])],
    initializers: [floats('embed', [V, D]), floats('W', [D, V])],
    ...over,
  };
}

function refusal(bytes: Uint8Array): string {
  try {
    readModel(bytes, 'my.onnx');
  } catch (e) {
    expect(e).toBeInstanceOf(OpenError);
    return (e as Error).message;
  }
  throw new Error('not refused');
}

describe('readModel refuses', () => {
  it('a file over the size limit, before decoding', () => {
    expect(() => checkSize(MAX_FILE_BYTES, 'big.onnx')).not.toThrow();
    expect(() => checkSize(MAX_FILE_BYTES + 1, 'big.onnx')).toThrow(/^big\.onnx is 513 MB, more than the 512 MB the page can hold; open a smaller model/);
    expect(MAX_FILE_BYTES).toBe(512 * 1024 * 1024);
  });

  it('bytes that are not ONNX, and a model without a graph or nodes', () => {
    expect(refusal(Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0x0f, 1, 2]))).toBe('my.onnx is not an ONNX model (it could not be read as one); open a .onnx file written by torch.onnx.export or onnx.save.');
    expect(refusal(new TextEncoder().encode('not a model at all, just some text'))).toMatch(/^my\.onnx is not an ONNX model/);
    expect(refusal(bytesOf({ irVersion: 8 }))).toMatch(/^my\.onnx is not an ONNX model/);
    expect(refusal(bytesOf(model(lm({ nodes: [] }))))).toMatch(/^my\.onnx is not an ONNX model/);
  });

  it('opsets below 7 and above the runtime\'s highest', () => {
    expect(refusal(bytesOf(model(lm({ opset: 3 }))))).toBe(`my.onnx uses ONNX opset 3; onnxruntime-web runs opsets 7 to ${MAX_OPSET}, so convert it (onnx.version_converter.convert_version) or re-export it with an opset in that range.`);
    expect(refusal(bytesOf(model(lm({ opset: 99 }))))).toMatch(/^my\.onnx uses ONNX opset 99; onnxruntime-web runs opsets 7 to 26/);
    expect(readModel(bytesOf(model(lm({ opset: MIN_OPSET }))), 'a.onnx').info.opset).toBe(7);
    expect(readModel(bytesOf(model(lm({ opset: MAX_OPSET }))), 'a.onnx').info.opset).toBe(26);
  });

  it('an operator domain onnxruntime does not have', () => {
    const parts = lm({ imports: [{ domain: 'com.example', version: 1 }] });
    parts.nodes.push(node('Frobnicate', ['logits'], ['y'], {}, 'com.example'));
    expect(refusal(bytesOf(model(parts)))).toBe('my.onnx uses operators of the domain com.example (Frobnicate), which onnxruntime-web does not have; re-export it with standard ONNX operators.');
    const ms = lm({ imports: [{ domain: 'com.microsoft', version: 1 }, { domain: 'ai.onnx.ml', version: 3 }] });
    expect(() => readModel(bytesOf(model(ms)), 'a.onnx')).not.toThrow();
  });

  it('weights stored as external data', () => {
    const external = { name: 'W', dataType: FLOAT, dims: [D, V], dataLocation: 1, externalData: [{ key: 'location', value: 'weights.bin' }] };
    expect(refusal(bytesOf(model(lm({ initializers: [floats('embed', [V, D]), external] }))))).toBe(
      'my.onnx keeps its weights in separate files (external data, such as W); save it as one file with onnx.save(model, path, save_as_external_data=False) and open that.',
    );
  });

  it('inputs the page cannot feed: string, float16, no shape', () => {
    const extra = (input: ReturnType<typeof vi>) => bytesOf(model(lm({ inputs: [vi('input_ids', INT64, ['batch', 'seq']), input] })));
    expect(refusal(extra(vi('prompt', 8, [1])))).toBe('my.onnx has the input prompt of type string, which the page cannot feed (it feeds float32, int64, int32 and bool tensors); re-export it with inputs of those types.');
    expect(refusal(extra(vi('pixels', 10, [1, 3, 8, 8])))).toMatch(/^my\.onnx has the input pixels of type float16, which the page cannot feed/);
    expect(refusal(extra(vi('u8', 2, [4])))).toMatch(/input u8 of type uint8/);
    expect(refusal(extra({ name: 'seq', type: { sequenceType: { elemType: { tensorType: { elemType: FLOAT } } } } }))).toMatch(/^my\.onnx has the input seq that is not a tensor \(a sequence or map\), which the page cannot feed/);
    expect(refusal(extra(vi('scale', FLOAT, null)))).toBe("my.onnx does not say the rank of its input scale, so the page cannot feed it; re-export it with the input's shape (torch.onnx.export's dynamic_axes names the dynamic dims).");
  });
});

describe('readModel reads', () => {
  it('a small language model: inputs, vocabulary, logits, sizes', () => {
    const bytes = bytesOf(model(lm()));
    const { info } = readModel(bytes, 'lm.onnx');
    expect(info).toEqual({
      fileName: 'lm.onnx',
      fileBytes: bytes.length,
      irVersion: 8,
      opset: 17,
      producer: 'hand 1',
      inputs: [{ name: 'input_ids', role: 'ids', type: 'int64', dims: ['batch', 'seq'] }],
      outputs: [{ name: 'logits', type: 'float32', dims: ['batch', 'seq', V] }],
      attention: [],
      fused: [],
      vocabSize: V,
      logits: 'logits',
      logitsAreProbabilities: false,
      weightBytes: 4 * (V * D + D * V),
      nodes: 2,
    });
  });

  it('old exporters\' weights listed as inputs are not inputs; ids through Cast/Unsqueeze; logits traced when the output states no vocab dim; probabilities', () => {
    const parts = lm({
      nodes: [
        node('Cast', ['tok'], ['tok64'], { to: INT64 }),
        node('Unsqueeze', ['tok64', 'axes'], ['tok2']),
        node('Gather', ['embed', 'tok2'], ['x']),
        node('MatMul', ['x', 'W'], ['z']),
        node('Add', ['z', 'b'], ['scores']),
        node('Softmax', ['scores'], ['s'], { axis: -1 }),
        node('Reshape', ['s', 'shape'], ['probs']),
        { name: 'c', opType: 'Constant', output: ['b'], attribute: [{ name: 'value', type: 4, t: { dataType: FLOAT, dims: [V], floatData: Array(V).fill(0.5) } }] },
      ],
      // A rank-1 int32 input named oddly, and the weights listed as inputs (onnx < 1.4 style).
      inputs: [vi('tok', 6, ['seq']), vi('embed', FLOAT, [V, D]), vi('W', FLOAT, [D, V])],
      outputs: [vi('probs', FLOAT, ['batch', 'seq', 'vocab'])],
      initializers: [floats('embed', [V, D]), floats('W', [D, V]), { name: 'axes', dataType: INT64, dims: [1], int64Data: [0] }, { name: 'shape', dataType: INT64, dims: [3], int64Data: [1, -1, V] }],
    });
    const { info } = readModel(bytesOf(model(parts)), 'old.onnx');
    expect(info.inputs).toEqual([{ name: 'tok', role: 'other', type: 'int32', dims: ['seq'] }]);
    // rank 1 and an unknown name: not ids (the single-integer rule is for rank 2), so no vocabulary.
    expect(info.vocabSize).toBe(null);
    const renamed = { ...parts, inputs: [vi('ids', 6, ['seq']), ...parts.inputs.slice(1)], nodes: parts.nodes.map((n) => (n.opType === 'Cast' ? { ...n, input: ['ids'] } : n)) };
    const r = readModel(bytesOf(model(renamed)), 'old.onnx').info;
    expect(r.inputs.map((i) => [i.name, i.role])).toEqual([['ids', 'ids']]);
    expect(r.vocabSize).toBe(V);
    expect(r.logits).toBe('probs');
    expect(r.logitsAreProbabilities).toBe(true);
    // Initialisers: raw float32 (V·D + D·V), int64Data (1 + 3 values); the Constant's floatData (V).
    expect(r.weightBytes).toBe(4 * 2 * V * D + 8 * 4 + 4 * V);
  });

  it('a model without ids: the rank-3 float output is the logits', () => {
    const parts: Parts = {
      nodes: [node('MatMul', ['feats', 'W'], ['out'])],
      inputs: [vi('feats', FLOAT, ['N', 'T', D])],
      outputs: [vi('out', FLOAT, ['N', 'T', V])],
      initializers: [floats('W', [D, V])],
    };
    const { info } = readModel(bytesOf(model(parts)), 'enc.onnx');
    expect(info.inputs).toEqual([{ name: 'feats', role: 'other', type: 'float32', dims: ['N', 'T', D] }]);
    expect([info.vocabSize, info.logits]).toEqual([null, 'out']);
  });
});

describe('the opset limit is onnxruntime\'s', () => {
  // An Identity model stamped with `opset`: onnxruntime-node 1.30 (the same core as onnxruntime-web 1.30) loads it or not.
  const identity = (opset: number) => bytesOf(model({ opset, nodes: [node('Identity', ['x'], ['y'])], inputs: [vi('x', FLOAT, [2])], outputs: [vi('y', FLOAT, [2])] }));
  it(`loads opset ${MAX_OPSET} and refuses ${MAX_OPSET + 1}`, async () => {
    const s = await ort.InferenceSession.create(identity(MAX_OPSET));
    await s.release();
    await expect(ort.InferenceSession.create(identity(MAX_OPSET + 1))).rejects.toThrow(/opset|Opset/);
  });
});
