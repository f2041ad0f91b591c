/** Test helper: small ONNX models written by hand with onnx-proto (the refusals and the attention shapes the compiler never emits). */
import * as onnxProto from 'onnx-proto';
import type { onnx as P } from 'onnx-proto';

export const { onnx } = (onnxProto as unknown as { default?: typeof onnxProto }).default ?? onnxProto;
export const FLOAT = 1;
export const INT64 = 7;

/** A ValueInfo of a tensor: dims numbers (fixed) or strings (dynamic); `null` dims: no shape. */
export function vi(name: string, elemType: number, dims: (number | string)[] | null): P.IValueInfoProto {
  return { name, type: { tensorType: { elemType, ...(dims ? { shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } : {}) } } };
}

/** A float32 initialiser (raw little-endian bytes) of `dims`, values from `at`. */
export function floats(name: string, dims: number[], at: (i: number) => number = (i) => Math.sin(i + 1) * 0.3): P.ITensorProto {
  const n = dims.reduce((a, b) => a * b, 1);
  const data = Float32Array.from({ length: n }, (_, i) => at(i));
  return { name, dataType: FLOAT, dims, rawData: new Uint8Array(data.buffer) };
}

/** An int64 initialiser (raw bytes). */
export function ints(name: string, values: number[]): P.ITensorProto {
  return { name, dataType: INT64, dims: [values.length], rawData: new Uint8Array(BigInt64Array.from(values, BigInt).buffer) };
}

export function node(opType: string, input: string[], output: string[], attrs: Record<string, number | number[]> = {}, domain = ''): P.INodeProto {
  const T = onnx.AttributeProto.AttributeType;
  return {
    name: `${opType}_${output[0]}`,
    opType,
    domain,
    input,
    output,
    attribute: Object.entries(attrs).map(([name, v]) => (Array.isArray(v) ? { name, type: T.INTS, ints: v } : { name, type: T.INT, i: v })),
  };
}

export interface Parts {
  nodes: P.INodeProto[];
  inputs: P.IValueInfoProto[];
  outputs: P.IValueInfoProto[];
  initializers?: P.ITensorProto[];
  opset?: number;
  imports?: P.IOperatorSetIdProto[];
}

export function model(p: Parts): P.IModelProto {
  return {
    irVersion: 8,
    producerName: 'hand',
    producerVersion: '1',
    opsetImport: [{ domain: '', version: p.opset ?? 17 }, ...(p.imports ?? [])],
    graph: { name: 'g', node: p.nodes, input: p.inputs, output: p.outputs, initializer: p.initializers ?? [] },
  };
}

export const bytesOf = (m: P.IModelProto): Uint8Array => onnx.ModelProto.encode(m).finish();
