/**
 * One vector–Jacobian rule per ONNX op: given an op's node and the gradient of the loss with
 * respect to its output (gy), the gradients with respect to those of its inputs that need one.
 * Each rule emits ordinary opset-17 ops with the same builder the forward graph was built with,
 * so the backward pass runs wherever the forward pass runs (WASM, WebGPU, onnxruntime-node).
 *
 * Every rule is checked against float64 central finite differences in test/train/rules.test.ts.
 * Ops whose outputs are integers or booleans, or piecewise constant (Floor), pass no gradient:
 * they are listed in NO_GRADIENT rather than given a rule.
 */
import type { GraphBuilder } from '../graph/builder';
import type { OpNode, Tensor } from '../graph/ir';
import { numel } from '../graph/ir';

/** A rule: the gradient for each input (null where none is needed or none flows). */
export type Rule = (b: GraphBuilder, node: OpNode, gy: Tensor, need: readonly boolean[]) => (Tensor | null)[];

/** Ops that carry no gradient to their inputs (comparisons, index and mask ops, rounding). */
export const NO_GRADIENT: ReadonlySet<string> = new Set(['Floor', 'Equal', 'Greater', 'GreaterOrEqual', 'Less', 'LessOrEqual', 'Not', 'Shape', 'Range', 'ConstantOfShape']);

const same = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((d, i) => d === b[i]);

/**
 * The gradient of a broadcast operand: g has the broadcast shape, x the operand's; sum g over
 * the axes broadcasting added or stretched, then take x's shape.
 */
export function unbroadcast(b: GraphBuilder, g: Tensor, shape: readonly number[]): Tensor {
  if (same(g.shape, shape)) return g;
  const lead = g.shape.length - shape.length;
  const axes = g.shape.map((d, i) => (i < lead || (shape[i - lead] === 1 && d !== 1) ? i : -1)).filter((i) => i >= 0);
  const summed = axes.length ? b.reduceSum(g, axes, true) : g;
  return same(summed.shape, shape) ? summed : b.reshape(summed, [...shape]);
}

/** The int64 values of a constant input (axes, starts, pads), read from its initialiser. */
function ints(b: GraphBuilder, t: Tensor): number[] {
  const v = b.valueOf(t);
  if (!(v instanceof BigInt64Array)) throw new Error(`the gradient needs "${t.name}" to be a constant`);
  return Array.from(v, Number);
}

const attr = (n: OpNode, name: string, fallback: number): number => {
  const a = n.attrs[name];
  return a && a.type === 'int' ? a.value : fallback;
};
const attrInts = (n: OpNode, name: string): number[] => {
  const a = n.attrs[name];
  if (!a || a.type !== 'ints') throw new Error(`${n.op} has no "${name}" attribute`);
  return [...a.value];
};
const norm = (axes: number[], rank: number) => axes.map((a) => (a < 0 ? a + rank : a));

/** Swaps the last two axes. */
const swapLast = (b: GraphBuilder, x: Tensor): Tensor => {
  const r = x.shape.length;
  return b.transpose(x, [...Array.from({ length: r - 2 }, (_, i) => i), r - 1, r - 2]);
};

/** The float 0/1 of a bool tensor. */
const float = (b: GraphBuilder, t: Tensor) => b.cast(t, 'float32');

/** gy of a reduction, shaped so it broadcasts back onto the input (the reduced axes kept as 1). */
function kept(b: GraphBuilder, x: Tensor, gy: Tensor, axes: number[], keepdims: boolean): Tensor {
  if (keepdims) return gy;
  const ax = norm(axes, x.shape.length);
  return b.reshape(gy, x.shape.map((d, i) => (ax.includes(i) ? 1 : d)));
}

/** Rules for the ops with one input whose gradient is gy times a local derivative. */
const pointwise = (local: (b: GraphBuilder, x: Tensor, y: Tensor) => Tensor): Rule => (b, n, gy) => [b.mul(gy, local(b, n.inputs[0]!, n.outputs[0]!))];

export const RULES: Readonly<Record<string, Rule>> = {
  Identity: (_b, _n, gy) => [gy],
  Neg: (b, _n, gy) => [b.neg(gy)],
  Add: (b, n, gy, need) => n.inputs.map((x, i) => (need[i] ? unbroadcast(b, gy, x.shape) : null)),
  Sub: (b, n, gy, need) => [need[0] ? unbroadcast(b, gy, n.inputs[0]!.shape) : null, need[1] ? unbroadcast(b, b.neg(gy), n.inputs[1]!.shape) : null],
  Mul: (b, n, gy, need) => {
    const [x, y] = n.inputs as [Tensor, Tensor];
    return [need[0] ? unbroadcast(b, b.mul(gy, y), x.shape) : null, need[1] ? unbroadcast(b, b.mul(gy, x), y.shape) : null];
  },
  // d(x/y) = dx/y − dy·(x/y)/y
  Div: (b, n, gy, need) => {
    const [x, y] = n.inputs as [Tensor, Tensor];
    const out = n.outputs[0]!;
    return [need[0] ? unbroadcast(b, b.div(gy, y), x.shape) : null, need[1] ? unbroadcast(b, b.neg(b.div(b.mul(gy, out), y)), y.shape) : null];
  },
  // d(x^e) = e·x^(e−1) dx + x^e·ln x de
  Pow: (b, n, gy, need) => {
    const [x, e] = n.inputs as [Tensor, Tensor];
    const out = n.outputs[0]!;
    return [
      need[0] ? unbroadcast(b, b.mul(gy, b.mul(e, b.pow(x, b.sub(e, b.scalar(1))))), x.shape) : null,
      need[1] ? unbroadcast(b, b.mul(gy, b.mul(out, b.log(x))), e.shape) : null,
    ];
  },
  Exp: pointwise((_b, _x, y) => y),
  Log: (b, n, gy) => [b.div(gy, n.inputs[0]!)],
  Sqrt: (b, n, gy) => [b.div(b.mul(gy, b.scalar(0.5)), n.outputs[0]!)],
  Tanh: pointwise((b, _x, y) => b.sub(b.scalar(1), b.mul(y, y))),
  Sigmoid: pointwise((b, _x, y) => b.mul(y, b.sub(b.scalar(1), y))),
  Sin: pointwise((b, x) => b.cos(x)),
  Cos: pointwise((b, x) => b.neg(b.sin(x))),
  Erf: pointwise((b, x) => b.mul(b.scalar(2 / Math.sqrt(Math.PI)), b.exp(b.neg(b.mul(x, x))))),
  // sign(x) as two comparisons (Sign has no WebGPU kernel); 0 at 0, as the subgradient convention.
  Abs: pointwise((b, x) => b.sub(float(b, b.greater(x, b.scalar(0))), float(b, b.less(x, b.scalar(0))))),
  Relu: pointwise((b, x) => float(b, b.greater(x, b.scalar(0)))),
  // Clip passes the gradient where min ≤ x ≤ max (as PyTorch's clamp does).
  Clip: (b, n, gy) => {
    const [x, lo, hi] = n.inputs as [Tensor, Tensor | undefined, Tensor | undefined];
    let g = gy;
    if (lo && lo.name) g = b.mul(g, float(b, b.greaterOrEqual(x, lo)));
    if (hi && hi.name) g = b.mul(g, float(b, b.lessOrEqual(x, hi)));
    return [g];
  },
  Cast: (_b, n, gy) => [n.inputs[0]!.dtype === 'float32' && n.outputs[0]!.dtype === 'float32' ? gy : null],
  Where: (b, n, gy, need) => {
    const [c, x, y] = n.inputs as [Tensor, Tensor, Tensor];
    const zero = b.scalar(0);
    return [null, need[1] ? unbroadcast(b, b.where(c, gy, zero), x.shape) : null, need[2] ? unbroadcast(b, b.where(c, zero, gy), y.shape) : null];
  },
  // C = A B: dA = dC Bᵀ, dB = Aᵀ dC. A weight B [k, m] under a batched A [..., n, k] is the common
  // case: its gradient is one matrix product of the flattened rows, not a batch of them summed.
  MatMul: (b, n, gy, need) => {
    const [x, w] = n.inputs as [Tensor, Tensor];
    const gx = need[0] ? unbroadcast(b, b.matmul(gy, swapLast(b, w)), x.shape) : null;
    let gw: Tensor | null = null;
    if (need[1]) {
      if (w.shape.length === 2 && x.shape.length > 2) {
        const k = x.shape[x.shape.length - 1]!;
        const m = gy.shape[gy.shape.length - 1]!;
        const rows = numel(x.shape) / k;
        gw = b.matmul(b.transpose(b.reshape(x, [rows, k]), [1, 0]), b.reshape(gy, [rows, m]));
      } else gw = unbroadcast(b, b.matmul(swapLast(b, x), gy), w.shape);
    }
    return [gx, gw];
  },
  Reshape: (b, n, gy) => [b.reshape(gy, [...n.inputs[0]!.shape]), null],
  Transpose: (b, n, gy) => {
    const perm = attrInts(n, 'perm');
    const inverse = perm.map((_, i) => perm.indexOf(i));
    return [b.transpose(gy, inverse)];
  },
  Expand: (b, n, gy) => [unbroadcast(b, gy, n.inputs[0]!.shape), null],
  // Gather rows: the table's gradient adds each row's gradient at its index, written as a one-hot
  // matrix product (ScatterND's "add" reduction has no WebGPU kernel; this is two ops everyone has).
  Gather: (b, n, gy) => {
    const [table, idx] = n.inputs as [Tensor, Tensor];
    if (attr(n, 'axis', 0) !== 0) throw new Error('Gather: gradient only along axis 0');
    const rows = table.shape[0]!;
    const count = numel(idx.shape);
    const width = numel(table.shape.slice(1));
    const ids = b.constant('row_ids', 'int64', [1, rows], Array.from({ length: rows }, (_, i) => i));
    const onehot = float(b, b.equal(b.reshape(idx, [count, 1]), ids)); // [count, rows]
    const g = b.matmul(b.transpose(onehot, [1, 0]), b.reshape(gy, [count, width])); // [rows, width]
    return [b.reshape(g, [...table.shape]), null];
  },
  Slice: (b, n, gy) => {
    const [x, s, , a] = n.inputs as [Tensor, Tensor, Tensor, Tensor];
    const rank = x.shape.length;
    const starts = ints(b, s);
    const ends = ints(b, n.inputs[2]!);
    const axes = norm(ints(b, a), rank);
    const before = new Array<number>(rank).fill(0);
    const after = new Array<number>(rank).fill(0);
    axes.forEach((ax, i) => {
      before[ax] = starts[i]!;
      after[ax] = x.shape[ax]! - Math.min(ends[i]!, x.shape[ax]!);
    });
    return [b.pad(gy, before, after), null, null, null];
  },
  Pad: (b, n, gy) => {
    const x = n.inputs[0]!;
    const pads = ints(b, n.inputs[1]!);
    const axes = x.shape.map((_, i) => i);
    return [b.slice(gy, axes, axes.map((i) => pads[i]!), axes.map((i) => pads[i]! + x.shape[i]!)), null];
  },
  Concat: (b, n, gy, need) => {
    const axis = attr(n, 'axis', 0);
    let offset = 0;
    return n.inputs.map((x, i) => {
      const start = offset;
      offset += x.shape[axis]!;
      return need[i] ? b.slice(gy, [axis], [start], [offset]) : null;
    });
  },
  CumSum: (b, n, gy) => {
    if (attr(n, 'exclusive', 0)) throw new Error('CumSum: no gradient rule for the exclusive form');
    const axis = ints(b, n.inputs[1]!)[0]!;
    return [b.cumSum(gy, axis, !attr(n, 'reverse', 0)), null];
  },
  // y = softmax(x): dx = y ⊙ (dy − Σ dy ⊙ y)
  Softmax: (b, n, gy) => {
    const y = n.outputs[0]!;
    const axis = attr(n, 'axis', -1);
    return [b.mul(y, b.sub(gy, b.reduceSum(b.mul(gy, y), [axis], true)))];
  },
  // y = log softmax(x): dx = dy − softmax(x) Σ dy
  LogSoftmax: (b, n, gy) => {
    const axis = attr(n, 'axis', -1);
    return [b.sub(gy, b.mul(b.exp(n.outputs[0]!), b.reduceSum(gy, [axis], true)))];
  },
  ReduceSum: (b, n, gy) => {
    const x = n.inputs[0]!;
    const axes = ints(b, n.inputs[1]!);
    return [b.expand(kept(b, x, gy, axes, attr(n, 'keepdims', 1) === 1), [...x.shape]), null];
  },
  ReduceMean: (b, n, gy) => {
    const x = n.inputs[0]!;
    const axes = attrInts(n, 'axes');
    const count = norm(axes, x.shape.length).reduce((p, a) => p * x.shape[a]!, 1);
    return [b.expand(b.mul(kept(b, x, gy, axes, attr(n, 'keepdims', 1) === 1), b.scalar(1 / count)), [...x.shape])];
  },
  // The maximum's gradient is shared equally among the entries that reach it (ties split).
  ReduceMax: (b, n, gy) => {
    const x = n.inputs[0]!;
    const axes = attrInts(n, 'axes');
    const keep = attr(n, 'keepdims', 1) === 1;
    const hits = float(b, b.equal(x, kept(b, x, n.outputs[0]!, axes, keep)));
    return [b.mul(hits, b.div(kept(b, x, gy, axes, keep), b.reduceSum(hits, axes, true)))];
  },
  // y = x̂ γ + β with x̂ = (x − μ) / σ over the last axis:
  // dγ = Σ dy x̂, dβ = Σ dy, dx = (1/σ)(g − mean(g) − x̂ mean(g x̂)) with g = dy γ.
  LayerNormalization: (b, n, gy, need) => {
    const [x, scale, bias] = n.inputs as [Tensor, Tensor, Tensor];
    const a = n.attrs['epsilon'];
    const eps = a && a.type === 'float' ? a.value : 1e-5;
    const mu = b.reduceMean(x, [-1], true);
    const xc = b.sub(x, mu);
    const rstd = b.div(b.scalar(1), b.sqrt(b.add(b.reduceMean(b.mul(xc, xc), [-1], true), b.scalar(eps))));
    const xhat = b.mul(xc, rstd);
    let gx: Tensor | null = null;
    if (need[0]) {
      const g = b.mul(gy, scale);
      const centred = b.sub(b.sub(g, b.reduceMean(g, [-1], true)), b.mul(xhat, b.reduceMean(b.mul(g, xhat), [-1], true)));
      gx = b.mul(rstd, centred);
    }
    return [gx, need[1] ? unbroadcast(b, b.mul(gy, xhat), scale.shape) : null, need[2] ? unbroadcast(b, gy, bias.shape) : null];
  },
};
