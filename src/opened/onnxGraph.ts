/**
 * Reading an opened ONNX graph (the helpers read.ts, attention.ts and tap.ts share): who makes and who
 * reads each tensor, which tensors are constants (initialisers, Constant nodes, and whatever is
 * computed from constants alone, such as Transpose(W)), the integer values of small constants, and
 * the shapes the file states or that follow from a few shape-preserving ops (enough to tell a
 * Softmax's rank and its head dimension; anything not worked out stays unknown).
 */
import * as onnxProto from 'onnx-proto';
import type { onnx as P } from 'onnx-proto';
import type { Dim } from './types';

// onnx-proto is CommonJS: bundlers expose its exports by name, Node's ESM loader only as `default`.
export const { onnx } = (onnxProto as unknown as { default?: typeof onnxProto }).default ?? onnxProto;
export type { P };

/** Element type number → the name OpenedOutput uses (ONNX TensorProto.DataType; the newer 8- and 4-bit types by number). */
export const ELEM_NAMES: Record<number, string> = {
  1: 'float32', 2: 'uint8', 3: 'int8', 4: 'uint16', 5: 'int16', 6: 'int32', 7: 'int64', 8: 'string', 9: 'bool',
  10: 'float16', 11: 'float64', 12: 'uint32', 13: 'uint64', 14: 'complex64', 15: 'complex128', 16: 'bfloat16',
  17: 'float8e4m3fn', 18: 'float8e4m3fnuz', 19: 'float8e5m2', 20: 'float8e5m2fnuz', 21: 'uint4', 22: 'int4', 23: 'float4e2m1',
};

/** Bytes per element of each fixed-size element type (4-bit types as ½). */
const ELEM_BYTES: Record<number, number> = {
  1: 4, 2: 1, 3: 1, 4: 2, 5: 2, 6: 4, 7: 8, 9: 1, 10: 2, 11: 8, 12: 4, 13: 8, 14: 8, 15: 16, 16: 2, 17: 1, 18: 1, 19: 1, 20: 1, 21: 0.5, 22: 0.5, 23: 0.5,
};

export const elemName = (t: number | null | undefined): string => ELEM_NAMES[t ?? 0] ?? `type ${t ?? 0}`;

/** A node's name, or `#<index>` when it has none. */
export const nodeName = (n: P.INodeProto, i: number): string => n.name || `#${i}`;

export function attr(n: P.INodeProto, name: string): P.IAttributeProto | undefined {
  return (n.attribute ?? []).find((a) => a.name === name);
}
export function attrInt(n: P.INodeProto, name: string): number | undefined {
  const a = attr(n, name);
  return a?.i != null ? Number(a.i) : undefined;
}
export function attrInts(n: P.INodeProto, name: string): number[] | undefined {
  const a = attr(n, name);
  return a?.ints && a.ints.length > 0 ? a.ints.map(Number) : undefined;
}

/** The dims a ValueInfo states: numbers where fixed, the exporter's name or '?' where not; null when it states no shape. */
export function statedDims(v: P.IValueInfoProto): Dim[] | null {
  const shape = v.type?.tensorType?.shape;
  if (!shape) return null;
  return (shape.dim ?? []).map((d) => (d.dimValue != null && Number(d.dimValue) > 0 ? Number(d.dimValue) : d.dimParam || '?'));
}

/** Bytes of a tensor's stored values, whichever field holds them. */
export function tensorBytes(t: P.ITensorProto): number {
  if (t.rawData && t.rawData.length > 0) return t.rawData.length;
  const n = (t.dims ?? []).reduce<number>((a, d) => a * Number(d), 1);
  if ((t.stringData ?? []).length > 0) return t.stringData!.reduce((a, s) => a + s.length, 0);
  const stored = (t.floatData?.length ?? 0) + (t.int32Data?.length ?? 0) + (t.int64Data?.length ?? 0) + (t.doubleData?.length ?? 0) + (t.uint64Data?.length ?? 0);
  return stored > 0 ? Math.ceil(n * (ELEM_BYTES[t.dataType ?? 0] ?? 4)) : 0;
}

/** The values of an integer tensor (int64 or int32; raw or typed fields), or null when it is not one or is large. */
export function tensorInts(t: P.ITensorProto, max = 64): number[] | null {
  const type = t.dataType ?? 0;
  if (type !== onnx.TensorProto.DataType.INT64 && type !== onnx.TensorProto.DataType.INT32) return null;
  const raw = t.rawData;
  if (raw && raw.length > 0) {
    const size = type === onnx.TensorProto.DataType.INT64 ? 8 : 4;
    if (raw.length / size > max) return null;
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    const out: number[] = [];
    for (let i = 0; i + size <= raw.length; i += size) out.push(size === 8 ? Number(view.getBigInt64(i, true)) : view.getInt32(i, true));
    return out;
  }
  const vals = type === onnx.TensorProto.DataType.INT64 ? t.int64Data ?? [] : t.int32Data ?? [];
  return vals.length > max ? null : vals.map(Number);
}

/** A graph's tensors and nodes, indexed. */
export interface GraphIndex {
  nodes: P.INodeProto[];
  /** Tensor → index of the node that makes it. */
  producer: Map<string, number>;
  /** Tensor → indices of the nodes that read it. */
  consumers: Map<string, number[]>;
  /** Initialisers and Constant nodes' values, by tensor name. */
  constants: Map<string, P.ITensorProto>;
  /** Tensors computed from constants alone (constants included): weights, not activations. */
  constantDerived: Set<string>;
  /** Shapes, stated or worked out (absent: unknown rank). */
  shapes: Map<string, Dim[]>;
}

export function indexGraph(graph: P.IGraphProto): GraphIndex {
  const nodes = graph.node ?? [];
  const producer = new Map<string, number>();
  const consumers = new Map<string, number[]>();
  const constants = new Map<string, P.ITensorProto>();
  for (const t of graph.initializer ?? []) if (t.name) constants.set(t.name, t);
  nodes.forEach((n, i) => {
    for (const o of n.output ?? []) if (o) producer.set(o, i);
    for (const x of n.input ?? []) {
      if (!x) continue;
      const list = consumers.get(x);
      if (list) list.push(i);
      else consumers.set(x, [i]);
    }
    const value = attr(n, 'value')?.t;
    if (n.opType === 'Constant' && value && n.output?.[0]) constants.set(n.output[0], value);
  });
  const constantDerived = new Set(constants.keys());
  for (const n of nodes) {
    const ins = (n.input ?? []).filter(Boolean);
    if (ins.length > 0 && ins.every((x) => constantDerived.has(x))) for (const o of n.output ?? []) if (o) constantDerived.add(o);
  }
  const shapes = new Map<string, Dim[]>();
  for (const v of [...(graph.input ?? []), ...(graph.valueInfo ?? []), ...(graph.output ?? [])]) {
    const d = v.name ? statedDims(v) : null;
    if (d && v.name) shapes.set(v.name, d);
  }
  for (const [name, t] of constants) shapes.set(name, (t.dims ?? []).map(Number));
  for (const n of nodes) inferShape(n, shapes, constants);
  return { nodes, producer, consumers, constants, constantDerived, shapes };
}

const SAME_SHAPE = new Set(['Identity', 'Cast', 'CastLike', 'Softmax', 'LogSoftmax', 'Erf', 'Sqrt', 'Neg', 'Abs', 'Exp', 'Log', 'Sigmoid', 'Tanh', 'Relu', 'Gelu', 'Not', 'Dropout', 'LayerNormalization', 'Clip', 'Reciprocal', 'Sin', 'Cos', 'Softplus', 'Elu', 'LeakyRelu', 'SimplifiedLayerNormalization', 'SkipLayerNormalization']);
const BROADCAST = new Set(['Add', 'Sub', 'Mul', 'Div', 'Pow', 'Equal', 'Less', 'Greater', 'LessOrEqual', 'GreaterOrEqual', 'And', 'Or', 'Xor', 'Max', 'Min', 'Where', 'Mod']);

/** Numpy broadcasting of known shapes ('?' where it cannot tell). */
function broadcast(shapes: Dim[][]): Dim[] {
  const rank = Math.max(...shapes.map((s) => s.length));
  const out: Dim[] = [];
  for (let k = 0; k < rank; k++) {
    const ds = shapes.map((s) => s[s.length - rank + k]).filter((d): d is Dim => d !== undefined && d !== 1);
    const fixed = ds.find((d) => typeof d === 'number');
    out.push(ds.length === 0 ? 1 : fixed ?? (ds.every((d) => d === ds[0]) ? ds[0]! : '?'));
  }
  return out;
}

/** Sets the shape of `n`'s first output where the file does not state it and the op's rule is simple. */
function inferShape(n: P.INodeProto, shapes: Map<string, Dim[]>, constants: Map<string, P.ITensorProto>): void {
  const out = n.output?.[0];
  if (!out || shapes.has(out)) return;
  const ins = (n.input ?? []).map((x) => (x ? shapes.get(x) : undefined));
  const a = ins[0];
  const ints = (i: number): number[] | null => {
    const t = n.input?.[i] ? constants.get(n.input[i]!) : undefined;
    return t ? tensorInts(t) : null;
  };
  let s: Dim[] | null = null;
  const op = n.opType ?? '';
  if (SAME_SHAPE.has(op) && a) s = [...a];
  else if (BROADCAST.has(op) && ins.length > 0 && ins.every(Boolean)) s = broadcast(ins as Dim[][]);
  else if (op === 'MatMul' && a && ins[1] && a.length >= 2 && ins[1].length >= 2) {
    const b = ins[1];
    s = [...broadcast([a.slice(0, -2), b.slice(0, -2)]), a[a.length - 2]!, b[b.length - 1]!];
  } else if (op === 'Transpose' && a) {
    const perm = attrInts(n, 'perm') ?? a.map((_, i) => a.length - 1 - i);
    s = perm.map((p) => a[p] ?? '?');
  } else if (op === 'Reshape') {
    const shape = ints(1);
    const length = n.input?.[1] ? shapes.get(n.input[1]) : undefined;
    if (!shape && length?.length === 1 && typeof length[0] === 'number') s = Array<Dim>(length[0]).fill('?'); // a computed shape of known length
    if (shape) {
      s = shape.map((d, i) => (d > 0 ? d : d === 0 && attrInt(n, 'allowzero') !== 1 ? a?.[i] ?? '?' : '?'));
      const known = a && a.every((d) => typeof d === 'number') ? (a as number[]).reduce((p, d) => p * d, 1) : null;
      const rest = s.reduce<number>((p, d) => p * (typeof d === 'number' ? d : 1), 1);
      const minus = shape.indexOf(-1);
      if (minus >= 0 && known !== null && s.filter((d) => typeof d !== 'number').length === 1) s[minus] = known / rest;
    }
  } else if ((op === 'Unsqueeze' || op === 'Squeeze') && a) {
    const axes = attrInts(n, 'axes') ?? ints(1);
    if (axes && op === 'Unsqueeze') {
      const rank = a.length + axes.length;
      const at = new Set(axes.map((x) => (x < 0 ? x + rank : x)));
      const rest = [...a];
      s = Array.from({ length: rank }, (_, i) => (at.has(i) ? 1 : rest.shift() ?? '?'));
    } else if (axes) {
      const at = new Set(axes.map((x) => (x < 0 ? x + a.length : x)));
      s = a.filter((_, i) => !at.has(i));
    }
  } else if (op === 'Shape') {
    s = [a && attrInt(n, 'start') === undefined && attrInt(n, 'end') === undefined ? a.length : '?']; // always rank 1
  } else if (op === 'Concat' && ins.length > 0 && ins.every(Boolean)) {
    const all = ins as Dim[][];
    const rank = all[0]!.length;
    const axis = (attrInt(n, 'axis') ?? 0) < 0 ? (attrInt(n, 'axis') ?? 0) + rank : attrInt(n, 'axis') ?? 0;
    if (all.every((x) => x.length === rank)) {
      const along = all.map((x) => x[axis]);
      s = all[0]!.map((d, i) => (i !== axis ? d : along.every((v) => typeof v === 'number') ? (along as number[]).reduce((p, v) => p + v, 0) : '?'));
    }
  } else if (op === 'Slice' && a) {
    // Opset < 10: starts, ends, axes as attributes; later as inputs 1–3. A slice of known bounds
    // on an axis of unknown size is taken at its length (end − start), as a valid model's are.
    const starts = attrInts(n, 'starts') ?? ints(1);
    const ends = attrInts(n, 'ends') ?? ints(2);
    const axes = attrInts(n, 'axes') ?? ints(3) ?? starts?.map((_, i) => i);
    const steps = attr(n, 'starts') ? null : ints(4);
    s = [...a];
    axes?.forEach((ax, k) => {
      const i = ax < 0 ? ax + a.length : ax;
      const [b, e, d] = [starts?.[k], ends?.[k], a[i]];
      const step = steps?.[k] ?? 1;
      if (b === undefined || e === undefined || step !== 1) s![i] = '?';
      else if (typeof d === 'number') s![i] = Math.max(0, Math.min(d, e < 0 ? e + d : e) - (b < 0 ? Math.max(0, b + d) : Math.min(b, d)));
      else s![i] = b >= 0 && e >= b && e < 2 ** 31 ? e - b : '?';
    });
  } else if (op === 'Gather' && a && ins[1]) {
    const axis = attrInt(n, 'axis') ?? 0;
    const ax = axis < 0 ? axis + a.length : axis;
    s = [...a.slice(0, ax), ...ins[1], ...a.slice(ax + 1)];
  }
  if (s) shapes.set(out, s);
}
