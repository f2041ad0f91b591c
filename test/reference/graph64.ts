/**
 * A float64 interpreter of the graph IR (src/graph/ir.ts), for tests.
 *
 * It runs a Graph's nodes in order with ONNX opset-17 semantics, but computes every float tensor
 * in float64: initialisers' float32 values are widened, and each op is the textbook formula. That
 * makes a compiled graph (and a gradient graph built from it) evaluable precisely enough for
 * central finite differences, which float32 onnxruntime is too noisy for.
 *
 * One small function per op, in the table OPS keyed by ONNX op name. Values are held as
 * { dtype, dims, data: Float64Array } whatever the dtype: int64 values the graphs use (shapes,
 * indices, positions) are far below 2^53, so a double holds them exactly, and one array type keeps
 * every op short. They become BigInt64Array / Uint8Array again only when returned.
 */
import type { DType, Graph, OpNode } from '../../src/graph/ir';
import { erf } from './math';

/** A value while the graph runs: float32 tensors hold float64 values here. */
interface Val {
  dtype: DType;
  dims: number[];
  data: Float64Array;
}

/** A returned tensor: float → Float64Array, int64 → BigInt64Array, bool → Uint8Array. */
export interface Value64 {
  dims: number[];
  data: Float64Array | BigInt64Array | Uint8Array;
}

export interface EvalOptions {
  /** Names of the tensors to return (any intermediate too); default: the graph's outputs. */
  outputs?: string[];
  /** Values that replace an initialiser's or input's, by name (e.g. one weight perturbed in float64). */
  overrides?: Record<string, Float64Array>;
}

// ── shapes and index walks ─────────────────────────────────────────────────────────────────────

const numel = (dims: readonly number[]) => dims.reduce((a, b) => a * b, 1);
const fmt = (dims: readonly number[]) => `[${dims.join(', ')}]`;

/** Row-major strides of `dims`. */
function stridesOf(dims: readonly number[]): number[] {
  const s = new Array<number>(dims.length);
  let acc = 1;
  for (let i = dims.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= dims[i]!;
  }
  return s;
}

/**
 * For each position of a tensor of shape `dims` (row-major), the offset Σ index·strides + base:
 * the one index walk behind broadcasting, Transpose, Slice and reductions.
 */
function walk(dims: readonly number[], strides: readonly number[], base = 0): Int32Array {
  const n = numel(dims);
  const r = dims.length;
  const out = new Int32Array(n);
  const idx = new Array<number>(r).fill(0);
  let p = base;
  for (let k = 0; k < n; k++) {
    out[k] = p;
    for (let a = r - 1; a >= 0; a--) {
      idx[a]!++;
      p += strides[a]!;
      if (idx[a]! < dims[a]!) break;
      p -= strides[a]! * dims[a]!;
      idx[a] = 0;
    }
  }
  return out;
}

/** numpy's broadcast of several shapes, or an error naming them. */
function broadcast(shapes: readonly (readonly number[])[]): number[] {
  const r = Math.max(...shapes.map((s) => s.length));
  const out = new Array<number>(r).fill(1);
  for (const s of shapes) {
    for (let i = 0; i < s.length; i++) {
      const a = r - s.length + i;
      const d = s[i]!;
      if (d === out[a] || d === 1) continue;
      if (out[a] !== 1) throw new Error(`cannot broadcast ${shapes.map(fmt).join(' with ')}`);
      out[a] = d;
    }
  }
  return out;
}

/** For each position of the broadcast shape `out`, the flat index into a tensor of shape `dims`. */
function broadcastMap(out: readonly number[], dims: readonly number[]): Int32Array {
  const own = stridesOf(dims);
  const strides = out.map((_, a) => {
    const i = a - (out.length - dims.length);
    return i < 0 || dims[i] === 1 ? 0 : own[i]!;
  });
  return walk(out, strides);
}

/** An axis in [-r, r) made non-negative. */
function axisOf(axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) throw new Error(`axis ${axis} is out of range for rank ${rank}`);
  return a;
}

// ── attributes and inputs ──────────────────────────────────────────────────────────────────────

/** Each attribute type's value. */
interface AttrTypes { int: number; float: number; ints: readonly number[]; string: string }

function attr<T extends keyof AttrTypes>(node: OpNode, name: string, type: T): AttrTypes[T] | undefined {
  const a = node.attrs[name];
  if (a === undefined) return undefined;
  if (a.type !== type) throw new Error(`attribute ${name} should be ${type}, got ${a.type}`);
  return a.value as AttrTypes[T];
}
const int = (node: OpNode, name: string, dflt: number) => attr(node, name, 'int') ?? dflt;
const float = (node: OpNode, name: string, dflt: number) => attr(node, name, 'float') ?? dflt;

/** An int64 input read as a list of numbers (shape, axes, pads...). */
const ints = (v: Val): number[] => Array.from(v.data);
const scalarOf = (v: Val): number => {
  if (v.data.length !== 1) throw new Error(`expected one value, got shape ${fmt(v.dims)}`);
  return v.data[0]!;
};

const val = (dtype: DType, dims: number[], data: Float64Array): Val => ({ dtype, dims, data });

// ── op families ────────────────────────────────────────────────────────────────────────────────

/** One output per op; inputs that were left out ("") are undefined. */
type OpFn = (ins: (Val | undefined)[], node: OpNode) => Val | Val[];

const need = (ins: (Val | undefined)[], i: number): Val => {
  const v = ins[i];
  if (!v) throw new Error(`input ${i} is required`);
  return v;
};

function unary(f: (x: number) => number): OpFn {
  return (ins) => {
    const x = need(ins, 0);
    return val(x.dtype, [...x.dims], x.data.map(f));
  };
}

/** Element-wise over broadcast inputs; `out` is the result dtype (default: the first input's). */
function nary(f: (...xs: number[]) => number, out?: DType | ((ins: Val[]) => DType)): OpFn {
  return (raw) => {
    const ins = raw.map((_, i) => need(raw, i));
    const dims = broadcast(ins.map((v) => v.dims));
    const maps = ins.map((v) => broadcastMap(dims, v.dims));
    const n = numel(dims);
    const data = new Float64Array(n);
    const args = new Array<number>(ins.length);
    for (let k = 0; k < n; k++) {
      for (let j = 0; j < ins.length; j++) args[j] = ins[j]!.data[maps[j]![k]!]!;
      data[k] = f(...args);
    }
    const dtype = out === undefined ? ins[0]!.dtype : typeof out === 'string' ? out : out(ins);
    return val(dtype, dims, data);
  };
}

const compare = (f: (a: number, b: number) => boolean) => nary((a, b) => (f(a, b) ? 1 : 0), 'bool');

/** Integer division truncates (C semantics), float division does not. */
const divide: OpFn = (ins, node) => {
  const r = nary((a, b) => a / b)(ins, node) as Val;
  if (r.dtype === 'int64') r.data = r.data.map(Math.trunc);
  return r;
};

/**
 * Folds `x` over `axes` (every axis when empty): each element goes to its place in the keepdims
 * shape (reduced axes as 1), found by the broadcast walk; `finish` sees the count per place.
 */
function reduce(x: Val, axes: number[], keepdims: boolean, init: number, step: (acc: number, v: number) => number, finish?: (acc: number, count: number) => number): Val {
  const r = x.dims.length;
  const ax = axes.length === 0 ? x.dims.map((_, i) => i) : axes.map((a) => axisOf(a, r));
  const kept = x.dims.map((d, i) => (ax.includes(i) ? 1 : d));
  const map = broadcastMap(x.dims, kept);
  const data = new Float64Array(numel(kept)).fill(init);
  for (let k = 0; k < x.data.length; k++) data[map[k]!] = step(data[map[k]!]!, x.data[k]!);
  const count = x.data.length / data.length;
  if (finish) for (let k = 0; k < data.length; k++) data[k] = finish(data[k]!, count);
  return val(x.dtype, keepdims ? kept : x.dims.filter((_, i) => !ax.includes(i)), data);
}

/** Opset-17 ReduceMean/Max/SumSquare: axes is an attribute; absent means every axis. */
function reduceAttr(init: number, step: (acc: number, v: number) => number, finish?: (acc: number, count: number) => number): OpFn {
  return (ins, node) => reduce(need(ins, 0), [...(attr(node, 'axes', 'ints') ?? [])], int(node, 'keepdims', 1) === 1, init, step, finish);
}

/** Splits dims around `axis` into (outer, n, inner) for ops that run along one axis. */
function around(dims: readonly number[], axis: number): [number, number, number] {
  return [numel(dims.slice(0, axis)), dims[axis]!, numel(dims.slice(axis + 1))];
}

function softmax(log: boolean): OpFn {
  return (ins, node) => {
    const x = need(ins, 0);
    const [outer, n, inner] = around(x.dims, axisOf(int(node, 'axis', -1), x.dims.length));
    const data = new Float64Array(x.data.length);
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < inner; i++) {
        const at = (j: number) => (o * n + j) * inner + i;
        let m = -Infinity;
        for (let j = 0; j < n; j++) m = Math.max(m, x.data[at(j)]!);
        let z = 0;
        for (let j = 0; j < n; j++) z += Math.exp(x.data[at(j)]! - m);
        for (let j = 0; j < n; j++) data[at(j)] = log ? x.data[at(j)]! - m - Math.log(z) : Math.exp(x.data[at(j)]! - m) / z;
      }
    }
    return val(x.dtype, [...x.dims], data);
  };
}

const CAST: Record<number, DType> = { 1: 'float32', 11: 'float32', 7: 'int64', 9: 'bool' };

/** Reshape's target: 0 copies the input's dimension (allowzero = 0), one -1 is inferred. */
function reshapeDims(from: readonly number[], shape: number[]): number[] {
  const dims = shape.map((d, i) => (d === 0 ? from[i]! : d));
  const known = numel(dims.filter((d) => d !== -1));
  const holes = dims.filter((d) => d === -1).length;
  if (holes > 1) throw new Error(`Reshape target ${fmt(shape)} has more than one -1`);
  const out = dims.map((d) => (d === -1 ? numel(from) / known : d));
  if (numel(out) !== numel(from) || !out.every(Number.isInteger)) throw new Error(`cannot reshape ${fmt(from)} to ${fmt(shape)}`);
  return out;
}

// ── the ops ────────────────────────────────────────────────────────────────────────────────────

const OPS: Record<string, OpFn> = {
  Identity: (ins) => {
    const x = need(ins, 0);
    return val(x.dtype, [...x.dims], x.data.slice());
  },

  Add: nary((a, b) => a + b),
  Sub: nary((a, b) => a - b),
  Mul: nary((a, b) => a * b),
  Div: divide,
  Pow: nary((a, b) => Math.pow(a, b)),
  Neg: unary((x) => -x),
  Exp: unary(Math.exp),
  Log: unary(Math.log),
  Sqrt: unary(Math.sqrt),
  Reciprocal: unary((x) => 1 / x),
  Tanh: unary(Math.tanh),
  Sin: unary(Math.sin),
  Cos: unary(Math.cos),
  Sigmoid: unary((x) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)))),
  Erf: unary(erf),
  Abs: unary(Math.abs),
  Relu: unary((x) => Math.max(0, x)),
  Floor: unary(Math.floor),
  Sign: unary((x) => (x > 0 ? 1 : x < 0 ? -1 : 0)),
  Not: unary((x) => (x ? 0 : 1)),

  Where: nary((c, x, y) => (c ? x : y), (ins) => ins[1]!.dtype),
  Equal: compare((a, b) => a === b),
  Greater: compare((a, b) => a > b),
  GreaterOrEqual: compare((a, b) => a >= b),
  Less: compare((a, b) => a < b),
  LessOrEqual: compare((a, b) => a <= b),

  Cast: (ins, node) => {
    const x = need(ins, 0);
    const code = attr(node, 'to', 'int');
    const to = code === undefined ? undefined : CAST[code];
    if (!to) throw new Error(`Cast to type ${code} is not supported (float 1, double 11, int64 7, bool 9)`);
    // float → int64 truncates toward zero; anything non-zero (NaN too) is true.
    const f = to === 'int64' ? Math.trunc : to === 'bool' ? (v: number) => (v !== 0 ? 1 : 0) : (v: number) => v;
    return val(to, [...x.dims], x.data.map(f));
  },

  Clip: (ins) => {
    const x = need(ins, 0);
    const lo = ins[1] ? scalarOf(ins[1]) : -Infinity;
    const hi = ins[2] ? scalarOf(ins[2]) : Infinity;
    return val(x.dtype, [...x.dims], x.data.map((v) => Math.min(Math.max(v, lo), hi)));
  },

  MatMul: (ins) => {
    const [a, b] = [need(ins, 0), need(ins, 1)];
    // numpy: a vector operand gets a 1 prepended (a) or appended (b), removed from the result.
    const ad = a.dims.length === 1 ? [1, a.dims[0]!] : a.dims;
    const bd = b.dims.length === 1 ? [b.dims[0]!, 1] : b.dims;
    const [n, k] = ad.slice(-2) as [number, number];
    const [k2, m] = bd.slice(-2) as [number, number];
    if (k !== k2) throw new Error(`inner dimensions differ: ${fmt(a.dims)} × ${fmt(b.dims)}`);
    const batch = broadcast([ad.slice(0, -2), bd.slice(0, -2)]);
    const am = broadcastMap(batch, ad.slice(0, -2));
    const bm = broadcastMap(batch, bd.slice(0, -2));
    const data = new Float64Array(numel(batch) * n * m);
    for (let p = 0; p < am.length; p++) {
      const ao = am[p]! * n * k;
      const bo = bm[p]! * k * m;
      const oo = p * n * m;
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < m; j++) {
          let s = 0;
          for (let q = 0; q < k; q++) s += a.data[ao + i * k + q]! * b.data[bo + q * m + j]!;
          data[oo + i * m + j] = s;
        }
      }
    }
    const dims = [...batch, ...(a.dims.length === 1 ? [] : [n]), ...(b.dims.length === 1 ? [] : [m])];
    return val(a.dtype, dims, data);
  },

  Transpose: (ins, node) => {
    const x = need(ins, 0);
    const perm = [...(attr(node, 'perm', 'ints') ?? x.dims.map((_, i) => x.dims.length - 1 - i))];
    const s = stridesOf(x.dims);
    const dims = perm.map((p) => x.dims[p]!);
    const map = walk(dims, perm.map((p) => s[p]!));
    return val(x.dtype, dims, Float64Array.from(map, (i) => x.data[i]!));
  },

  Reshape: (ins, node) => {
    const x = need(ins, 0);
    if (int(node, 'allowzero', 0) !== 0) throw new Error('Reshape with allowzero = 1 is not supported');
    return val(x.dtype, reshapeDims(x.dims, ints(need(ins, 1))), x.data.slice());
  },

  Expand: (ins) => {
    const x = need(ins, 0);
    const dims = broadcast([x.dims, ints(need(ins, 1))]);
    return val(x.dtype, dims, Float64Array.from(broadcastMap(dims, x.dims), (i) => x.data[i]!));
  },

  Unsqueeze: (ins) => {
    const x = need(ins, 0);
    const r = x.dims.length + need(ins, 1).data.length;
    const axes = ints(need(ins, 1)).map((a) => axisOf(a, r));
    const dims: number[] = [];
    const rest = [...x.dims];
    for (let i = 0; i < r; i++) dims.push(axes.includes(i) ? 1 : rest.shift()!);
    return val(x.dtype, dims, x.data.slice());
  },

  Squeeze: (ins) => {
    const x = need(ins, 0);
    const axes = ins[1] ? ints(ins[1]).map((a) => axisOf(a, x.dims.length)) : x.dims.flatMap((d, i) => (d === 1 ? [i] : []));
    for (const a of axes) if (x.dims[a] !== 1) throw new Error(`cannot squeeze axis ${a} of ${fmt(x.dims)}`);
    return val(x.dtype, x.dims.filter((_, i) => !axes.includes(i)), x.data.slice());
  },

  Gather: (ins, node) => {
    const [x, idx] = [need(ins, 0), need(ins, 1)];
    const axis = axisOf(int(node, 'axis', 0), x.dims.length);
    const [outer, n, inner] = around(x.dims, axis);
    const data = new Float64Array(outer * idx.data.length * inner);
    let p = 0;
    for (let o = 0; o < outer; o++) {
      for (const raw of idx.data) {
        const j = raw < 0 ? raw + n : raw;
        if (j < 0 || j >= n) throw new Error(`index ${raw} is out of range for axis ${axis} of ${fmt(x.dims)}`);
        for (let i = 0; i < inner; i++) data[p++] = x.data[(o * n + j) * inner + i]!;
      }
    }
    return val(x.dtype, [...x.dims.slice(0, axis), ...idx.dims, ...x.dims.slice(axis + 1)], data);
  },

  Slice: (ins) => {
    const x = need(ins, 0);
    const starts = ints(need(ins, 1));
    const ends = ints(need(ins, 2));
    const axes = ins[3] ? ints(ins[3]) : starts.map((_, i) => i);
    const steps = ins[4] ? ints(ins[4]) : starts.map(() => 1);
    const s = stridesOf(x.dims);
    const dims = [...x.dims];
    const strides = [...s];
    let base = 0;
    axes.forEach((a0, i) => {
      const a = axisOf(a0, x.dims.length);
      const d = x.dims[a]!;
      const step = steps[i]!;
      if (step === 0) throw new Error('Slice step 0');
      let start = starts[i]! < 0 ? starts[i]! + d : starts[i]!;
      let end = ends[i]! < 0 ? ends[i]! + d : ends[i]!;
      // Clamping as ONNX states it: [0, d] going forward, [-1, d - 1] going backward.
      if (step > 0) {
        start = Math.min(Math.max(start, 0), d);
        end = Math.min(Math.max(end, 0), d);
      } else {
        start = Math.min(Math.max(start, 0), d - 1);
        end = Math.min(Math.max(end, -1), d - 1);
      }
      dims[a] = Math.max(0, Math.ceil((end - start) / step));
      strides[a] = s[a]! * step;
      base += start * s[a]!;
    });
    const map = numel(dims) === 0 ? new Int32Array(0) : walk(dims, strides, base);
    return val(x.dtype, dims, Float64Array.from(map, (i) => x.data[i]!));
  },

  Concat: (raw, node) => {
    const ins = raw.map((_, i) => need(raw, i));
    const axis = axisOf(int(node, 'axis', 0), ins[0]!.dims.length);
    const dims = [...ins[0]!.dims];
    dims[axis] = ins.reduce((t, v) => t + v.dims[axis]!, 0);
    const outer = numel(dims.slice(0, axis));
    const data = new Float64Array(numel(dims));
    let p = 0;
    for (let o = 0; o < outer; o++) {
      for (const v of ins) {
        const chunk = v.dims[axis]! * numel(v.dims.slice(axis + 1));
        data.set(v.data.subarray(o * chunk, (o + 1) * chunk), p);
        p += chunk;
      }
    }
    return val(ins[0]!.dtype, dims, data);
  },

  Pad: (ins, node) => {
    const x = need(ins, 0);
    const mode = attr(node, 'mode', 'string') ?? 'constant';
    if (mode !== 'constant') throw new Error(`Pad mode ${mode} is not supported`);
    const pads = ints(need(ins, 1));
    const c = ins[2] ? scalarOf(ins[2]) : 0;
    const r = x.dims.length;
    const dims = x.dims.map((d, i) => d + pads[i]! + pads[i + r]!);
    const s = stridesOf(x.dims);
    const data = new Float64Array(numel(dims)).fill(c);
    const idx = new Array<number>(r).fill(0);
    for (let k = 0; k < data.length; k++) {
      let src = 0;
      for (let a = 0; a < r && src >= 0; a++) {
        const j = idx[a]! - pads[a]!;
        src = j < 0 || j >= x.dims[a]! ? -1 : src + j * s[a]!;
      }
      if (src >= 0) data[k] = x.data[src]!;
      for (let a = r - 1; a >= 0; a--) {
        if (++idx[a]! < dims[a]!) break;
        idx[a] = 0;
      }
    }
    return val(x.dtype, dims, data);
  },

  CumSum: (ins, node) => {
    const x = need(ins, 0);
    const [outer, n, inner] = around(x.dims, axisOf(scalarOf(need(ins, 1)), x.dims.length));
    const exclusive = int(node, 'exclusive', 0) === 1;
    const reverse = int(node, 'reverse', 0) === 1;
    const data = new Float64Array(x.data.length);
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < inner; i++) {
        let s = 0;
        for (let t = 0; t < n; t++) {
          const at = (o * n + (reverse ? n - 1 - t : t)) * inner + i;
          if (exclusive) {
            data[at] = s;
            s += x.data[at]!;
          } else {
            s += x.data[at]!;
            data[at] = s;
          }
        }
      }
    }
    return val(x.dtype, [...x.dims], data);
  },

  Softmax: softmax(false),
  LogSoftmax: softmax(true),

  // Opset 13+: ReduceSum takes its axes as an optional input.
  ReduceSum: (ins, node) => {
    const x = need(ins, 0);
    const axes = ins[1] ? ints(ins[1]) : [];
    if (axes.length === 0 && int(node, 'noop_with_empty_axes', 0) === 1) return val(x.dtype, [...x.dims], x.data.slice());
    return reduce(x, axes, int(node, 'keepdims', 1) === 1, 0, (a, v) => a + v);
  },
  ReduceMean: reduceAttr(0, (a, v) => a + v, (a, n) => a / n),
  ReduceMax: reduceAttr(-Infinity, (a, v) => (v > a || Number.isNaN(v) ? v : a)),
  ReduceSumSquare: reduceAttr(0, (a, v) => a + v * v),

  // Normalises over the axes from `axis` on; Mean and InvStdDev keep X's rank with those axes as 1.
  LayerNormalization: (ins, node) => {
    const [x, scale] = [need(ins, 0), need(ins, 1)];
    const bias = ins[2];
    const axis = axisOf(int(node, 'axis', -1), x.dims.length);
    const eps = float(node, 'epsilon', 1e-5);
    const outer = numel(x.dims.slice(0, axis));
    const normDims = x.dims.slice(axis);
    const n = numel(normDims);
    const sm = broadcastMap(normDims, scale.dims);
    const bm = bias ? broadcastMap(normDims, bias.dims) : null;
    const y = new Float64Array(x.data.length);
    const mean = new Float64Array(outer);
    const inv = new Float64Array(outer);
    for (let o = 0; o < outer; o++) {
      let mu = 0;
      for (let i = 0; i < n; i++) mu += x.data[o * n + i]!;
      mu /= n;
      let v = 0;
      for (let i = 0; i < n; i++) v += (x.data[o * n + i]! - mu) ** 2;
      const r = 1 / Math.sqrt(v / n + eps);
      for (let i = 0; i < n; i++) y[o * n + i] = (x.data[o * n + i]! - mu) * r * scale.data[sm[i]!]! + (bias && bm ? bias.data[bm[i]!]! : 0);
      mean[o] = mu;
      inv[o] = r;
    }
    const statDims = x.dims.map((d, i) => (i < axis ? d : 1));
    return [val(x.dtype, [...x.dims], y), val(x.dtype, statDims, mean), val(x.dtype, [...statDims], inv)];
  },

  // The value attribute is a tensor in ONNX, which AttrValue cannot hold yet: absent means float 0;
  // a float or int attribute is read as a float or int64 fill value.
  ConstantOfShape: (ins, node) => {
    const dims = ints(need(ins, 0));
    const a = node.attrs['value'];
    const dtype: DType = a?.type === 'int' ? 'int64' : 'float32';
    const fill = a?.type === 'int' || a?.type === 'float' ? a.value : 0;
    return val(dtype, dims, new Float64Array(numel(dims)).fill(fill));
  },

  Shape: (ins, node) => {
    const x = need(ins, 0);
    const r = x.dims.length;
    const clamp = (v: number) => Math.min(Math.max(v < 0 ? v + r : v, 0), r);
    const dims = x.dims.slice(clamp(int(node, 'start', 0)), clamp(attr(node, 'end', 'int') ?? r));
    return val('int64', [dims.length], Float64Array.from(dims));
  },

  Range: (ins) => {
    const [start, limit, delta] = [0, 1, 2].map((i) => scalarOf(need(ins, i))) as [number, number, number];
    const n = Math.max(Math.ceil((limit - start) / delta), 0);
    return val(need(ins, 0).dtype, [n], Float64Array.from({ length: n }, (_, i) => start + i * delta));
  },

  OneHot: (ins, node) => {
    const [idx, depthV, values] = [need(ins, 0), need(ins, 1), need(ins, 2)];
    const depth = Math.trunc(scalarOf(depthV));
    const r = idx.dims.length + 1;
    const axis = axisOf(int(node, 'axis', -1), r);
    const outer = numel(idx.dims.slice(0, axis));
    const inner = numel(idx.dims.slice(axis));
    const [off, on] = [values.data[0]!, values.data[1]!];
    const data = new Float64Array(outer * depth * inner).fill(off);
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < inner; i++) {
        const raw = Math.trunc(idx.data[o * inner + i]!);
        const j = raw < 0 ? raw + depth : raw;
        if (j >= 0 && j < depth) data[(o * depth + j) * inner + i] = on; // out of range: all "off"
      }
    }
    return val(values.dtype, [...idx.dims.slice(0, axis), depth, ...idx.dims.slice(axis)], data);
  },

  ScatterElements: (ins, node) => {
    const [x, idx, upd] = [need(ins, 0), need(ins, 1), need(ins, 2)];
    const r = x.dims.length;
    const axis = axisOf(int(node, 'axis', 0), r);
    const reduction = attr(node, 'reduction', 'string') ?? 'none';
    if (reduction !== 'none' && reduction !== 'add') throw new Error(`ScatterElements reduction ${reduction} is not supported`);
    const s = stridesOf(x.dims);
    const data = x.data.slice();
    const pos = new Array<number>(r).fill(0);
    for (let k = 0; k < idx.data.length; k++) {
      const raw = idx.data[k]!;
      const j = raw < 0 ? raw + x.dims[axis]! : raw;
      if (j < 0 || j >= x.dims[axis]!) throw new Error(`index ${raw} is out of range for axis ${axis} of ${fmt(x.dims)}`);
      let at = 0;
      for (let a = 0; a < r; a++) at += (a === axis ? j : pos[a]!) * s[a]!;
      data[at] = reduction === 'add' ? data[at]! + upd.data[k]! : upd.data[k]!;
      for (let a = r - 1; a >= 0; a--) {
        if (++pos[a]! < idx.dims[a]!) break;
        pos[a] = 0;
      }
    }
    return val(x.dtype, [...x.dims], data);
  },
};

/** The op names this interpreter runs. */
export const GRAPH64_OPS: readonly string[] = Object.keys(OPS);

// ── running a graph ────────────────────────────────────────────────────────────────────────────

function widen(name: string, dtype: DType, dims: number[], data: ArrayLike<number> | BigInt64Array): Val {
  if (data.length !== numel(dims)) throw new Error(`${name}: ${data.length} values for shape ${fmt(dims)}`);
  const f = data instanceof BigInt64Array ? Float64Array.from(data, Number) : Float64Array.from(data as ArrayLike<number>);
  return val(dtype, dims, f);
}

function narrow(v: Val): Value64 {
  const data = v.dtype === 'int64' ? BigInt64Array.from(v.data, (x) => BigInt(x)) : v.dtype === 'bool' ? Uint8Array.from(v.data) : v.data;
  return { dims: [...v.dims], data };
}

/**
 * Runs `graph` in float64. `feeds` holds each graph input's values (row-major, the input's declared
 * shape); `overrides` replaces an initialiser's or input's values by name. Returns the graph's
 * outputs, or the tensors named in `opts.outputs` (any intermediate too). Each node's results are
 * checked against the dtype and shape its output tensors declare, so a wrong shape is caught at
 * the node that made it.
 */
export function evalGraph64(graph: Graph, feeds: Record<string, ArrayLike<number> | BigInt64Array>, opts: EvalOptions = {}): Record<string, Value64> {
  const env = new Map<string, Val>();
  const overrides = opts.overrides ?? {};
  for (const init of graph.initializers) {
    const { name, dtype, shape } = init.tensor;
    env.set(name, widen(name, dtype, [...shape], overrides[name] ?? init.data));
  }
  for (const t of graph.inputs) {
    const data = overrides[t.name] ?? feeds[t.name];
    if (data === undefined) throw new Error(`evalGraph64: no value fed for the input "${t.name}"`);
    env.set(t.name, widen(t.name, t.dtype, [...t.shape], data));
  }
  for (const name of Object.keys(overrides)) if (!env.has(name)) throw new Error(`evalGraph64: the override "${name}" names no initialiser or input`);

  for (const node of graph.nodes) {
    const where = `${node.op} (scope "${node.scope}")`;
    const fn = OPS[node.op];
    if (!fn) throw new Error(`evalGraph64: no float64 rule for the op ${where}`);
    const ins = node.inputs.map((t) => {
      if (t.name === '') return undefined;
      const v = env.get(t.name);
      if (!v) throw new Error(`evalGraph64: ${where} reads "${t.name}", which nothing computed before`);
      return v;
    });
    let result: Val | Val[];
    try {
      result = fn(ins, node);
    } catch (e) {
      throw new Error(`evalGraph64: ${where}: ${(e as Error).message}`, { cause: e });
    }
    const outs = Array.isArray(result) ? result : [result];
    node.outputs.forEach((t, i) => {
      if (t.name === '') return;
      const v = outs[i];
      if (!v) throw new Error(`evalGraph64: ${where} has no output ${i}`);
      if (v.dtype !== t.dtype || fmt(v.dims) !== fmt(t.shape)) {
        throw new Error(`evalGraph64: ${where} made ${t.name} as ${v.dtype} ${fmt(v.dims)}, but the graph declares ${t.dtype} ${fmt(t.shape)}`);
      }
      env.set(t.name, v);
    });
  }

  const names = opts.outputs ?? graph.outputs.map((t) => t.name);
  const out: Record<string, Value64> = {};
  for (const name of names) {
    const v = env.get(name);
    if (!v) throw new Error(`evalGraph64: no tensor named "${name}"`);
    out[name] = narrow(v);
  }
  return out;
}
