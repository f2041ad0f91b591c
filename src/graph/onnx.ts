/**
 * Serialisation of the IR to ONNX bytes through onnx-proto (protobufjs).
 *
 * Opset 17, IR version 8: opset 17 is the first with LayerNormalization as a single op, and every
 * runtime this project meets (onnxruntime-web/-node ≥ 1.14, onnx ≥ 1.12, Netron) reads it. IR 8
 * is the version that onnx 1.12 pairs with opset 17. Initialisers are stored as little-endian raw
 * bytes, so the same graph always gives the same file.
 */
import * as onnxProto from 'onnx-proto';
import type { onnx as P } from 'onnx-proto';
import type { AttrValue, DType, Graph, Tensor } from './ir';

// onnx-proto is CommonJS: bundlers expose its exports by name, Node's own ESM loader only as
// `default`. Take whichever is there.
const { onnx } = (onnxProto as unknown as { default?: typeof onnxProto }).default ?? onnxProto;

export const OPSET_VERSION = 17;
export const IR_VERSION = 8;

const ELEM: Record<DType, P.TensorProto.DataType> = {
  float32: onnx.TensorProto.DataType.FLOAT,
  int64: onnx.TensorProto.DataType.INT64,
  bool: onnx.TensorProto.DataType.BOOL,
};

function valueInfo(t: Tensor): P.IValueInfoProto {
  return {
    name: t.name,
    type: { tensorType: { elemType: ELEM[t.dtype], shape: { dim: t.shape.map((d) => ({ dimValue: d })) } } },
  };
}

function attribute(name: string, a: AttrValue): P.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  switch (a.type) {
    case 'int': return { name, type: T.INT, i: a.value };
    case 'float': return { name, type: T.FLOAT, f: a.value };
    case 'ints': return { name, type: T.INTS, ints: [...a.value] };
    case 'string': return { name, type: T.STRING, s: new TextEncoder().encode(a.value) };
  }
}

/** Whether this machine stores numbers little-endian (every browser's does). */
const LITTLE_ENDIAN = new Uint8Array(Float32Array.of(1).buffer)[3] === 0x3f;

/**
 * Little-endian bytes of a typed array. On a little-endian machine that is the array's own
 * memory: a view, not a copy (a model's weights are hundreds of MB; the encoder copies them once
 * into the file anyway). Elsewhere, each value is written little-endian into a new array.
 */
function rawBytes(data: Float32Array | BigInt64Array | Uint8Array): Uint8Array {
  if (LITTLE_ENDIAN || data instanceof Uint8Array) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const out = new Uint8Array(data.byteLength);
  const view = new DataView(out.buffer);
  if (data instanceof Float32Array) data.forEach((v, i) => view.setFloat32(i * 4, v, true));
  else data.forEach((v, i) => view.setBigInt64(i * 8, v, true));
  return out;
}

/** Text stored in the file besides the graph. */
export interface OnnxExtras {
  docString?: string;
  /** Stored as metadata_props, in key order (so the file stays byte-identical). */
  metadata?: Record<string, string>;
}

/** The ONNX ModelProto bytes of `graph`. */
export function toOnnxBytes(graph: Graph, extras: OnnxExtras = {}): Uint8Array {
  const model: P.IModelProto = {
    irVersion: IR_VERSION,
    opsetImport: [{ domain: '', version: OPSET_VERSION }],
    producerName: 'transformer-playground',
    producerVersion: '0.1',
    docString: extras.docString ?? '',
    metadataProps: Object.keys(extras.metadata ?? {})
      .sort()
      .map((key) => ({ key, value: extras.metadata![key]! })),
    graph: {
      name: graph.name,
      input: graph.inputs.map(valueInfo),
      output: graph.outputs.map(valueInfo),
      initializer: graph.initializers.map(({ tensor, data }) => ({
        name: tensor.name,
        dataType: ELEM[tensor.dtype],
        dims: [...tensor.shape],
        rawData: rawBytes(data),
      })),
      node: graph.nodes.map((n, i) => ({
        name: `${n.op}_${i}`,
        opType: n.op,
        input: n.inputs.map((t) => t.name), // "" marks an optional input left out
        output: n.outputs.map((t) => t.name),
        attribute: Object.entries(n.attrs).map(([k, v]) => attribute(k, v)),
        docString: n.scope,
      })),
    },
  };
  return onnx.ModelProto.encode(onnx.ModelProto.create(model)).finish();
}
