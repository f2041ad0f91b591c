/**
 * The graph builder: typed tensor handles with static shapes, checked as the graph is built.
 *
 * Emitters call methods named after what they compute (`matmul`, `softmax`, `reshape`); each
 * method checks its operands' shapes and fails with a message naming the layer and block being
 * emitted, so a wrong emitter is caught at compile time, not by the runtime.
 */
import { normalValues } from './init';
import type { Affine, AttrValue, DType, Graph, InitScheme, Initializer, OpNode, Tensor } from './ir';
import { numel } from './ir';

/** A shape mismatch found while building, with the scope that caused it. */

/** The most inputs one Concat node takes (7 inputs + 1 output = WebGPU's 8 storage buffers per shader stage). */
export const CONCAT_MAX_INPUTS = 7;
export class ShapeError extends Error {
  constructor(scope: string, message: string) {
    super(scope ? `${scope}: ${message}` : message);
    this.name = 'ShapeError';
  }
}

const fmt = (shape: readonly number[]): string => `[${shape.join(', ')}]`;

/** Numpy-style broadcasting of two static shapes, or null when they do not broadcast. */
export function broadcastShapes(a: readonly number[], b: readonly number[]): number[] | null {
  const n = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const da = a[a.length - n + i] ?? 1;
    const db = b[b.length - n + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) return null;
    out.push(da === 1 ? db : da);
  }
  return out;
}

const normAxis = (axis: number, rank: number): number => (axis < 0 ? axis + rank : axis);

/** `make`, called once on first use and remembered. */
function lazy<R>(make: () => R): () => R {
  let value: R | undefined;
  return () => (value ??= make());
}

/** Builds one graph. Not reusable: call `finish()` once. */
export class GraphBuilder {
  private readonly nodes: OpNode[] = [];
  private readonly inits: Initializer[] = [];
  private readonly ins: Tensor[] = [];
  private readonly outs: Tensor[] = [];
  private readonly names = new Set<string>();
  private readonly params = new Map<string, { tensor: Tensor; init: InitScheme }>();
  private readonly scopes: string[] = [];
  private readonly stops = new Set<string>();
  private readonly affineMaps: Affine[] = [];
  private counter = 0;

  constructor(
    readonly name: string,
    /** Seed of every weight stream. */
    readonly seed: number,
  ) {}

  /**
   * A builder that goes on from a finished graph: its inputs, weights, constants and nodes, under
   * the same names, without its outputs. The training step (src/train/) is built this way, on top
   * of the forward graph the compiler made.
   */
  static extend(graph: Graph, seed: number): GraphBuilder {
    const b = new GraphBuilder(graph.name, seed);
    const claim = (t: Tensor) => b.names.add(t.name);
    graph.inputs.forEach((t) => (claim(t), b.ins.push(t)));
    graph.initializers.forEach((i) => (claim(i.tensor), b.inits.push(i)));
    graph.nodes.forEach((n) => (n.outputs.forEach(claim), b.nodes.push(n)));
    graph.detached?.forEach((name) => b.stops.add(name));
    b.counter = graph.nodes.length + graph.initializers.length;
    return b;
  }

  /** `t` as a value a gradient does not flow through (an Identity the differentiation stops at). */
  detach(t: Tensor): Tensor {
    const out = this.op('Identity', [t], t.dtype, [...t.shape]);
    this.stops.add(out.name);
    return out;
  }

  /** The names of the detached tensors so far. */
  get detachedNames(): ReadonlySet<string> {
    return this.stops;
  }

  /** The nodes recorded so far, in order. */
  get recorded(): readonly OpNode[] {
    return this.nodes;
  }

  /** Runs `fn` with `label` pushed onto the scope shown in errors and recorded on nodes. */
  scope<R>(label: string, fn: () => R): R {
    this.scopes.push(label);
    try {
      return fn();
    } finally {
      this.scopes.pop();
    }
  }

  /** The current scope, e.g. "layer 1 · softmax_attention". */
  get currentScope(): string {
    return this.scopes.join(' · ');
  }

  private fail(message: string): never {
    throw new ShapeError(this.currentScope, message);
  }

  private fresh(hint: string): string {
    let name: string;
    do name = `${hint}_${this.counter++}`; while (this.names.has(name));
    this.names.add(name);
    return name;
  }

  private claim(name: string): string {
    if (this.names.has(name)) this.fail(`the tensor name "${name}" is used twice`);
    this.names.add(name);
    return name;
  }

  private op(op: string, inputs: Tensor[], outDtype: DType, outShape: number[], attrs: Record<string, AttrValue> = {}): Tensor {
    if (outShape.some((d) => !Number.isInteger(d) || d <= 0)) this.fail(`${op} would give the invalid shape ${fmt(outShape)}`);
    const out: Tensor = { name: this.fresh(op.toLowerCase()), dtype: outDtype, shape: outShape };
    this.nodes.push({ op, inputs, outputs: [out], attrs, scope: this.currentScope });
    return out;
  }

  // ── graph interface ────────────────────────────────────────────────────────────────────────

  /** Declares a graph input. */
  input(name: string, dtype: DType, shape: number[]): Tensor {
    const t: Tensor = { name: this.claim(name), dtype, shape };
    this.ins.push(t);
    return t;
  }

  /** The graph input named `name`, if one was declared. */
  inputNamed(name: string): Tensor | undefined {
    return this.ins.find((t) => t.name === name);
  }

  /** Declares `t` as a graph output under `name` (renamed through Identity). */
  output(t: Tensor, name: string): Tensor {
    const out: Tensor = { name: this.claim(name), dtype: t.dtype, shape: t.shape };
    this.nodes.push({ op: 'Identity', inputs: [t], outputs: [out], attrs: {}, scope: this.currentScope });
    this.outs.push(out);
    return out;
  }

  /**
   * A learnable float32 weight named `name`, initialised by `init` from its own seeded stream.
   * Asking again for the same name with the same shape and scheme returns the same weight: that
   * is how weights are shared (tied embeddings, looped layers, one relative-position table).
   * `statistic`: set by the training step from the data, not by the optimizer (ir.ts Initializer).
   */
  param(name: string, shape: number[], init: InitScheme, opts: { statistic?: boolean } = {}): Tensor {
    const known = this.params.get(name);
    if (known) {
      if (fmt(known.tensor.shape) !== fmt(shape) || JSON.stringify(known.init) !== JSON.stringify(init)) {
        this.fail(`weight "${name}" is shared with another shape or initialisation (${fmt(known.tensor.shape)} vs ${fmt(shape)})`);
      }
      return known.tensor;
    }
    const n = numel(shape);
    let draw: () => Float32Array;
    if (init.kind === 'normal') draw = () => normalValues(this.seed, name, n, init.std);
    else if (init.kind === 'constant') draw = () => new Float32Array(n).fill(init.value);
    else this.fail(`param "${name}" needs a normal or constant initialiser`);
    // Drawn on first read (serialisation, valueOf), so a graph built only for its cost is cheap.
    const tensor = this.store(name, 'float32', shape, lazy(draw), init, true, false, opts.statistic);
    this.params.set(name, { tensor, init });
    return tensor;
  }

  /** The stored values of a weight or constant, or undefined for computed tensors. */
  valueOf(t: Tensor): Initializer['data'] | undefined {
    return this.inits.find((i) => i.tensor.name === t.name)?.data;
  }

  /** A constant tensor with given values (index tables, scalars). */
  constant(hint: string, dtype: DType, shape: number[], values: ArrayLike<number>): Tensor {
    const n = numel(shape);
    if (values.length !== n) this.fail(`constant "${hint}" has ${values.length} values for shape ${fmt(shape)}`);
    const data =
      dtype === 'float32' ? Float32Array.from(values)
      : dtype === 'int64' ? BigInt64Array.from(Array.from(values, (v) => BigInt(v)))
      : Uint8Array.from(values);
    return this.store(this.fresh(hint), dtype, shape, () => data, { kind: 'data' }, false, true);
  }

  /** A float32 scalar constant (shape []). */
  scalar(value: number): Tensor {
    return this.constant('scalar', 'float32', [], [value]);
  }

  /**
   * A float32 scalar constant whose value is computed on first read, for values derived from
   * weights (σReparam's spectral norm): building the graph then never draws the weights.
   */
  derivedScalar(value: () => number): Tensor {
    return this.store(this.fresh('scalar'), 'float32', [], lazy(() => Float32Array.of(value())), { kind: 'data' }, false, true);
  }

  private store(name: string, dtype: DType, shape: number[], data: () => Initializer['data'], init: InitScheme, trainable: boolean, claimed = false, statistic = false): Tensor {
    const tensor: Tensor = { name: claimed ? name : this.claim(name), dtype, shape };
    const scope = this.currentScope;
    this.inits.push({ tensor, get data() { return data(); }, init, trainable, scope, ...(statistic ? { statistic } : {}) });
    return tensor;
  }

  // ── element-wise ───────────────────────────────────────────────────────────────────────────

  private binary(op: string, a: Tensor, b: Tensor, outDtype?: DType): Tensor {
    if (a.dtype !== b.dtype) this.fail(`${op} needs operands of one type, got ${a.dtype} and ${b.dtype}`);
    const shape = broadcastShapes(a.shape, b.shape);
    if (!shape) this.fail(`${op} cannot broadcast ${fmt(a.shape)} with ${fmt(b.shape)}`);
    return this.op(op, [a, b], outDtype ?? a.dtype, shape);
  }

  add(a: Tensor, b: Tensor): Tensor { return this.binary('Add', a, b); }
  sub(a: Tensor, b: Tensor): Tensor { return this.binary('Sub', a, b); }
  mul(a: Tensor, b: Tensor): Tensor { return this.binary('Mul', a, b); }
  div(a: Tensor, b: Tensor): Tensor { return this.binary('Div', a, b); }
  /** a^b element-wise (float32). */
  pow(a: Tensor, b: Tensor): Tensor { return this.binary('Pow', a, b); }
  greaterOrEqual(a: Tensor, b: Tensor): Tensor { return this.binary('GreaterOrEqual', a, b, 'bool'); }
  greater(a: Tensor, b: Tensor): Tensor { return this.binary('Greater', a, b, 'bool'); }
  less(a: Tensor, b: Tensor): Tensor { return this.binary('Less', a, b, 'bool'); }
  lessOrEqual(a: Tensor, b: Tensor): Tensor { return this.binary('LessOrEqual', a, b, 'bool'); }
  equal(a: Tensor, b: Tensor): Tensor { return this.binary('Equal', a, b, 'bool'); }

  // And, Or, Not, Min, Max and TopK are left out on purpose: onnxruntime-web's WebGPU provider has
  // no kernels for them (docs/benchmarks.md). Masks combine through Cast/Mul/Greater
  // (blocks/nn.ts), bounds through Clip, and ranks through comparisons.

  /** Clamps x to [min, max] (either bound may be left out). */
  clip(x: Tensor, min?: number, max?: number): Tensor {
    if (x.dtype !== 'float32') this.fail(`Clip needs float32, got ${x.dtype}`);
    const empty: Tensor = { name: '', dtype: 'float32', shape: [] }; // ONNX's "input left out"
    const inputs = [x, min === undefined ? empty : this.scalar(min), ...(max === undefined ? [] : [this.scalar(max)])];
    return this.op('Clip', inputs, 'float32', [...x.shape]);
  }

  /** Converts element type (e.g. bool → float32 gives 0 and 1). */
  cast(x: Tensor, to: DType): Tensor {
    const code = { float32: 1, int64: 7, bool: 9 }[to];
    return this.op('Cast', [x], to, [...x.shape], { to: { type: 'int', value: code } });
  }

  private unary(op: string, x: Tensor): Tensor {
    if (x.dtype !== 'float32') this.fail(`${op} needs float32, got ${x.dtype}`);
    return this.op(op, [x], x.dtype, [...x.shape]);
  }

  erf(x: Tensor): Tensor { return this.unary('Erf', x); }
  log(x: Tensor): Tensor { return this.unary('Log', x); }
  exp(x: Tensor): Tensor { return this.unary('Exp', x); }
  sqrt(x: Tensor): Tensor { return this.unary('Sqrt', x); }
  neg(x: Tensor): Tensor { return this.unary('Neg', x); }
  abs(x: Tensor): Tensor { return this.unary('Abs', x); }
  relu(x: Tensor): Tensor { return this.unary('Relu', x); }
  sigmoid(x: Tensor): Tensor { return this.unary('Sigmoid', x); }
  tanh(x: Tensor): Tensor { return this.unary('Tanh', x); }
  sin(x: Tensor): Tensor { return this.unary('Sin', x); }
  cos(x: Tensor): Tensor { return this.unary('Cos', x); }
  floor(x: Tensor): Tensor { return this.unary('Floor', x); }

  /** Where(cond, x, y) with broadcasting over all three. */
  where(cond: Tensor, x: Tensor, y: Tensor): Tensor {
    if (cond.dtype !== 'bool') this.fail(`Where needs a bool condition, got ${cond.dtype}`);
    if (x.dtype !== y.dtype) this.fail(`Where needs branches of one type, got ${x.dtype} and ${y.dtype}`);
    const xy = broadcastShapes(x.shape, y.shape);
    const shape = xy && broadcastShapes(cond.shape, xy);
    if (!shape) this.fail(`Where cannot broadcast ${fmt(cond.shape)}, ${fmt(x.shape)}, ${fmt(y.shape)}`);
    return this.op('Where', [cond, x, y], x.dtype, shape);
  }

  // ── linear algebra and shape ───────────────────────────────────────────────────────────────

  /** Batched matrix product with numpy semantics: [..., n, k] × [..., k, m] → [..., n, m]. */
  matmul(a: Tensor, b: Tensor): Tensor {
    if (a.dtype !== 'float32' || b.dtype !== 'float32') this.fail('MatMul needs float32 operands');
    if (a.shape.length < 2 || b.shape.length < 2) this.fail(`MatMul needs rank ≥ 2, got ${fmt(a.shape)} × ${fmt(b.shape)}`);
    const [n, k] = a.shape.slice(-2) as [number, number];
    const [k2, m] = b.shape.slice(-2) as [number, number];
    if (k !== k2) this.fail(`MatMul inner dimensions differ: ${fmt(a.shape)} × ${fmt(b.shape)}`);
    const batch = broadcastShapes(a.shape.slice(0, -2), b.shape.slice(0, -2));
    if (!batch) this.fail(`MatMul cannot broadcast batch dimensions of ${fmt(a.shape)} and ${fmt(b.shape)}`);
    return this.op('MatMul', [a, b], 'float32', [...batch, n, m]);
  }

  /** Reshape to a fully specified static shape (no -1: every reshape states its result). */
  reshape(x: Tensor, shape: number[]): Tensor {
    if (numel(shape) !== numel(x.shape)) this.fail(`Reshape from ${fmt(x.shape)} to ${fmt(shape)} changes the element count`);
    const target = this.constant('shape', 'int64', [shape.length], shape);
    return this.op('Reshape', [x, target], x.dtype, [...shape]);
  }

  /** Permute axes. */
  transpose(x: Tensor, perm: number[]): Tensor {
    const sorted = [...perm].sort((a, b) => a - b);
    if (perm.length !== x.shape.length || sorted.some((p, i) => p !== i)) this.fail(`Transpose perm [${perm}] does not fit ${fmt(x.shape)}`);
    return this.op('Transpose', [x], x.dtype, perm.map((p) => x.shape[p]!), { perm: { type: 'ints', value: perm } });
  }

  /** Rows of `table` [N, d] picked by integer `indices` [...] → [..., d]. */
  gather(table: Tensor, indices: Tensor): Tensor {
    if (indices.dtype !== 'int64') this.fail(`Gather needs int64 indices, got ${indices.dtype}`);
    if (table.shape.length < 1) this.fail('Gather needs a table of rank ≥ 1');
    return this.op('Gather', [table, indices], table.dtype, [...indices.shape, ...table.shape.slice(1)], { axis: { type: 'int', value: 0 } });
  }

  /** Elements [start, end) along each listed axis (static bounds, step 1). */
  slice(x: Tensor, axes: number[], starts: number[], ends: number[]): Tensor {
    const shape = [...x.shape];
    axes.forEach((a, i) => {
      const ax = normAxis(a, x.shape.length);
      const [s0, e0] = [starts[i]!, ends[i]!];
      if (ax < 0 || ax >= shape.length || s0 < 0 || e0 > x.shape[ax]! || s0 >= e0) this.fail(`Slice [${s0}, ${e0}) on axis ${a} does not fit ${fmt(x.shape)}`);
      shape[ax] = e0 - s0;
    });
    const c = (hint: string, v: number[]) => this.constant(hint, 'int64', [v.length], v);
    return this.op('Slice', [x, c('starts', starts), c('ends', ends), c('axes', axes)], x.dtype, shape);
  }

  /** Cumulative sum along `axis` (inclusive; from the end when `reverse`). */
  cumSum(x: Tensor, axis: number, reverse = false): Tensor {
    const ax = this.constant('axis', 'int64', [], [normAxis(axis, x.shape.length)]);
    return this.op('CumSum', [x, ax], x.dtype, [...x.shape], reverse ? { reverse: { type: 'int', value: 1 } } : {});
  }

  /** x broadcast to `shape` (numpy rules; Expand). */
  expand(x: Tensor, shape: number[]): Tensor {
    const out = broadcastShapes(x.shape, shape);
    if (!out || fmt(out) !== fmt(shape)) this.fail(`Expand cannot take ${fmt(x.shape)} to ${fmt(shape)}`);
    return this.op('Expand', [x, this.constant('shape', 'int64', [shape.length], shape)], x.dtype, [...shape]);
  }

  /** Zeros added before and after each axis: `before[i]` and `after[i]` along axis i (Pad, constant 0). */
  pad(x: Tensor, before: number[], after: number[]): Tensor {
    if (before.length !== x.shape.length || after.length !== x.shape.length || [...before, ...after].some((p) => !Number.isInteger(p) || p < 0)) {
      this.fail(`Pad [${before}] / [${after}] does not fit ${fmt(x.shape)}`);
    }
    const pads = this.constant('pads', 'int64', [2 * before.length], [...before, ...after]);
    return this.op('Pad', [x, pads], x.dtype, x.shape.map((d, i) => d + before[i]! + after[i]!));
  }

  /**
   * Concatenation along `axis`; every other dimension must agree. More than CONCAT_MAX_INPUTS
   * inputs become a tree of Concats: a WebGPU shader binds each input and the output as a storage
   * buffer, 8 per stage by default, and onnxruntime-web's WebGPU Concat with more inputs fails the
   * whole run ("The number of storage buffer (input=32, output=1) exceeds the limit (8)",
   * microsoft/onnxruntime#25177); here every output then read as zeros.
   */
  concat(xs: Tensor[], axis: number): Tensor {
    if (xs.length > CONCAT_MAX_INPUTS) {
      const groups: Tensor[] = [];
      for (let i = 0; i < xs.length; i += CONCAT_MAX_INPUTS) groups.push(this.concat(xs.slice(i, i + CONCAT_MAX_INPUTS), axis));
      return this.concat(groups, axis);
    }
    const first = xs[0];
    if (!first) this.fail('Concat needs at least one input');
    const ax = normAxis(axis, first.shape.length);
    const shape = [...first.shape];
    shape[ax] = 0;
    for (const x of xs) {
      if (x.shape.length !== first.shape.length || x.shape.some((d, i) => i !== ax && d !== first.shape[i])) {
        this.fail(`Concat along axis ${axis} got mismatched shapes ${xs.map((t) => fmt(t.shape)).join(', ')}`);
      }
      shape[ax]! += x.shape[ax]!;
    }
    return this.op('Concat', xs, first.dtype, shape, { axis: { type: 'int', value: ax } });
  }

  // ── reductions and normalisation ───────────────────────────────────────────────────────────

  /** Softmax along `axis` (ONNX opset ≥ 13 semantics: one axis, any rank). */
  softmax(x: Tensor, axis = -1): Tensor {
    return this.op('Softmax', [x], 'float32', [...x.shape], { axis: { type: 'int', value: normAxis(axis, x.shape.length) } });
  }

  /** log softmax along `axis`. */
  logSoftmax(x: Tensor, axis = -1): Tensor {
    return this.op('LogSoftmax', [x], 'float32', [...x.shape], { axis: { type: 'int', value: normAxis(axis, x.shape.length) } });
  }

  private reduced(x: Tensor, axes: number[], keepdims: boolean): number[] {
    const ax = axes.map((a) => normAxis(a, x.shape.length));
    if (ax.some((a) => a < 0 || a >= x.shape.length)) this.fail(`reduction axes [${axes}] do not fit ${fmt(x.shape)}`);
    return keepdims ? x.shape.map((d, i) => (ax.includes(i) ? 1 : d)) : x.shape.filter((_, i) => !ax.includes(i));
  }

  /** Mean over `axes` (opset 17: axes is an attribute). */
  reduceMean(x: Tensor, axes: number[], keepdims = true): Tensor {
    const shape = this.reduced(x, axes, keepdims);
    return this.op('ReduceMean', [x], x.dtype, shape, { axes: { type: 'ints', value: axes }, keepdims: { type: 'int', value: keepdims ? 1 : 0 } });
  }

  /** Max over `axes` (opset 17: axes is an attribute). */
  reduceMax(x: Tensor, axes: number[], keepdims = true): Tensor {
    const shape = this.reduced(x, axes, keepdims);
    return this.op('ReduceMax', [x], x.dtype, shape, { axes: { type: 'ints', value: axes }, keepdims: { type: 'int', value: keepdims ? 1 : 0 } });
  }

  /** Sum over `axes` (opset ≥ 13: axes is an input). */
  reduceSum(x: Tensor, axes: number[], keepdims = true): Tensor {
    const shape = this.reduced(x, axes, keepdims);
    const axesT = this.constant('axes', 'int64', [axes.length], axes);
    return this.op('ReduceSum', [x, axesT], x.dtype, shape, { keepdims: { type: 'int', value: keepdims ? 1 : 0 } });
  }

  /** LayerNormalization over the last axis (opset 17): (x − mean) / sqrt(var + ε) · scale + bias. */
  layerNorm(x: Tensor, scale: Tensor, bias: Tensor, epsilon: number): Tensor {
    const d = x.shape[x.shape.length - 1]!;
    if (scale.shape.length !== 1 || scale.shape[0] !== d || bias.shape[0] !== d) {
      this.fail(`LayerNormalization of ${fmt(x.shape)} needs scale and bias of shape [${d}]`);
    }
    return this.op('LayerNormalization', [x, scale, bias], 'float32', [...x.shape], {
      axis: { type: 'int', value: -1 },
      epsilon: { type: 'float', value: epsilon },
    });
  }

  /**
   * y = x ⊙ scale + shift over the last axis, scale and shift [d] computed from weights only. Recorded
   * so that graph/fold.ts may fold it into the linear layers that read y (BatchNorm at inference).
   */
  affine(x: Tensor, scale: Tensor, shift: Tensor): Tensor {
    const d = x.shape[x.shape.length - 1]!;
    if (scale.shape.length !== 1 || scale.shape[0] !== d || shift.shape.length !== 1 || shift.shape[0] !== d) {
      this.fail(`an affine map of ${fmt(x.shape)} needs scale and shift of shape [${d}]`);
    }
    const y = this.add(this.mul(x, scale), shift);
    this.affineMaps.push({ y: y.name, x: x.name, scale: scale.name, shift: shift.name });
    return y;
  }

  // ── result ─────────────────────────────────────────────────────────────────────────────────

  /** The finished graph. */
  finish(): Graph {
    if (this.outs.length === 0) this.fail('the graph has no outputs');
    const graph: Graph = { name: this.name, inputs: this.ins, outputs: this.outs, initializers: this.inits, nodes: this.nodes };
    const withAffines = this.affineMaps.length ? { ...graph, affines: [...this.affineMaps] } : graph;
    return this.stops.size ? { ...withAffines, detached: [...this.stops] } : withAffines;
  }
}
