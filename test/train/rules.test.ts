// Each op's gradient rule against float64 central finite differences. A one-op graph y = op(x, …) is
// reduced to the scalar L = Σ y ⊙ R with a fixed random R, differentiated with src/train/autodiff.ts,
// and both the gradient graph and L are evaluated in float64 by the interpreter
// (test/reference/graph64.ts, checked against onnxruntime itself). Every input entry's ∂L/∂x must
// match (L(x + h) − L(x − h)) / 2h to 1e-6, relative. Inputs are kept away from kinks (|x| at 0,
// clip bounds, ties of a maximum) where the derivative is not defined.
import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../../src/graph/builder';
import type { Graph, Tensor } from '../../src/graph/ir';
import { numel } from '../../src/graph/ir';
import { differentiate, GradientError } from '../../src/train/autodiff';
import { NO_GRADIENT, RULES } from '../../src/train/rules';
import { evalGraph64 } from '../reference/graph64';
import { rng } from './run';

type Values = 'any' | 'positive' | 'away';

interface Case {
  name: string;
  op: string;
  /** Differentiable inputs: shape and which values they take. */
  inputs: { shape: number[]; values?: Values }[];
  build: (b: GraphBuilder, xs: Tensor[]) => Tensor;
}

const CASES: Case[] = [
  { name: 'Identity', op: 'Identity', inputs: [{ shape: [2, 3] }], build: (b, [x]) => b.output(x!, 'id') },
  { name: 'Add with broadcasting', op: 'Add', inputs: [{ shape: [2, 3, 4] }, { shape: [3, 1] }], build: (b, [x, y]) => b.add(x!, y!) },
  { name: 'Sub with broadcasting', op: 'Sub', inputs: [{ shape: [2, 1, 4] }, { shape: [4] }], build: (b, [x, y]) => b.sub(x!, y!) },
  { name: 'Mul with broadcasting', op: 'Mul', inputs: [{ shape: [2, 3, 4] }, { shape: [1, 3, 1] }], build: (b, [x, y]) => b.mul(x!, y!) },
  { name: 'Div with broadcasting', op: 'Div', inputs: [{ shape: [2, 3] }, { shape: [3], values: 'positive' }], build: (b, [x, y]) => b.div(x!, y!) },
  { name: 'Pow, both operands', op: 'Pow', inputs: [{ shape: [2, 3], values: 'positive' }, { shape: [3] }], build: (b, [x, y]) => b.pow(x!, y!) },
  { name: 'Neg', op: 'Neg', inputs: [{ shape: [5] }], build: (b, [x]) => b.neg(x!) },
  { name: 'Exp', op: 'Exp', inputs: [{ shape: [2, 3] }], build: (b, [x]) => b.exp(x!) },
  { name: 'Log', op: 'Log', inputs: [{ shape: [2, 3], values: 'positive' }], build: (b, [x]) => b.log(x!) },
  { name: 'Sqrt', op: 'Sqrt', inputs: [{ shape: [2, 3], values: 'positive' }], build: (b, [x]) => b.sqrt(x!) },
  { name: 'Tanh', op: 'Tanh', inputs: [{ shape: [2, 3] }], build: (b, [x]) => b.tanh(x!) },
  { name: 'Sigmoid', op: 'Sigmoid', inputs: [{ shape: [2, 3] }], build: (b, [x]) => b.sigmoid(x!) },
  { name: 'Sin', op: 'Sin', inputs: [{ shape: [2, 3] }], build: (b, [x]) => b.sin(x!) },
  { name: 'Cos', op: 'Cos', inputs: [{ shape: [2, 3] }], build: (b, [x]) => b.cos(x!) },
  { name: 'Erf', op: 'Erf', inputs: [{ shape: [2, 3] }], build: (b, [x]) => b.erf(x!) },
  { name: 'Abs', op: 'Abs', inputs: [{ shape: [2, 4], values: 'away' }], build: (b, [x]) => b.abs(x!) },
  { name: 'Relu', op: 'Relu', inputs: [{ shape: [2, 4], values: 'away' }], build: (b, [x]) => b.relu(x!) },
  { name: 'Clip, both bounds', op: 'Clip', inputs: [{ shape: [3, 4], values: 'away' }], build: (b, [x]) => b.clip(x!, -0.55, 0.45) },
  { name: 'Clip, lower bound only', op: 'Clip', inputs: [{ shape: [3, 4], values: 'away' }], build: (b, [x]) => b.clip(x!, 0.05) },
  { name: 'Cast float to float', op: 'Cast', inputs: [{ shape: [2, 3] }], build: (b, [x]) => b.cast(x!, 'float32') },
  {
    name: 'Where with broadcasting',
    op: 'Where',
    inputs: [{ shape: [2, 1, 4] }, { shape: [3, 1] }],
    build: (b, [x, y]) => b.where(b.constant('cond', 'bool', [1, 3, 4], [1, 0, 1, 1, 0, 0, 1, 0, 1, 1, 0, 1]), x!, y!),
  },
  { name: 'MatMul by a matrix', op: 'MatMul', inputs: [{ shape: [2, 3, 4] }, { shape: [4, 5] }], build: (b, [x, y]) => b.matmul(x!, y!) },
  { name: 'MatMul with broadcast batches', op: 'MatMul', inputs: [{ shape: [2, 1, 3, 4] }, { shape: [3, 4, 2] }], build: (b, [x, y]) => b.matmul(x!, y!) },
  { name: 'MatMul of a matrix by a batch', op: 'MatMul', inputs: [{ shape: [3, 4] }, { shape: [2, 4, 5] }], build: (b, [x, y]) => b.matmul(x!, y!) },
  { name: 'Reshape', op: 'Reshape', inputs: [{ shape: [2, 3, 4] }], build: (b, [x]) => b.reshape(x!, [6, 4]) },
  { name: 'Transpose', op: 'Transpose', inputs: [{ shape: [2, 3, 4] }], build: (b, [x]) => b.transpose(x!, [2, 0, 1]) },
  { name: 'Expand', op: 'Expand', inputs: [{ shape: [3, 1] }], build: (b, [x]) => b.expand(x!, [2, 3, 4]) },
  {
    name: 'Gather with repeated indices',
    op: 'Gather',
    inputs: [{ shape: [6, 3] }],
    build: (b, [x]) => b.gather(x!, b.constant('idx', 'int64', [2, 4], [0, 5, 2, 2, 5, 1, 0, 0])),
  },
  { name: 'Gather of a vector', op: 'Gather', inputs: [{ shape: [5] }], build: (b, [x]) => b.gather(x!, b.constant('idx', 'int64', [3], [4, 4, 1])) },
  { name: 'Slice on two axes', op: 'Slice', inputs: [{ shape: [3, 5, 4] }], build: (b, [x]) => b.slice(x!, [1, -1], [1, 0], [4, 3]) },
  { name: 'Pad', op: 'Pad', inputs: [{ shape: [2, 3] }], build: (b, [x]) => b.pad(x!, [1, 0], [0, 2]) },
  { name: 'Concat of three', op: 'Concat', inputs: [{ shape: [2, 1, 3] }, { shape: [2, 2, 3] }, { shape: [2, 3, 3] }], build: (b, xs) => b.concat(xs, 1) },
  { name: 'CumSum', op: 'CumSum', inputs: [{ shape: [2, 5] }], build: (b, [x]) => b.cumSum(x!, 1) },
  { name: 'CumSum in reverse', op: 'CumSum', inputs: [{ shape: [4, 3] }], build: (b, [x]) => b.cumSum(x!, 0, true) },
  { name: 'Softmax', op: 'Softmax', inputs: [{ shape: [2, 3, 4] }], build: (b, [x]) => b.softmax(x!, 1) },
  { name: 'LogSoftmax', op: 'LogSoftmax', inputs: [{ shape: [2, 5] }], build: (b, [x]) => b.logSoftmax(x!, -1) },
  { name: 'ReduceSum, axes dropped', op: 'ReduceSum', inputs: [{ shape: [2, 3, 4] }], build: (b, [x]) => b.reduceSum(x!, [0, 2], false) },
  { name: 'ReduceSum, axes kept', op: 'ReduceSum', inputs: [{ shape: [2, 3, 4] }], build: (b, [x]) => b.reduceSum(x!, [-1], true) },
  { name: 'ReduceMean', op: 'ReduceMean', inputs: [{ shape: [2, 3, 4] }], build: (b, [x]) => b.reduceMean(x!, [1], false) },
  { name: 'ReduceMax', op: 'ReduceMax', inputs: [{ shape: [3, 5] }], build: (b, [x]) => b.reduceMax(x!, [-1], true) },
  {
    name: 'LayerNormalization',
    op: 'LayerNormalization',
    inputs: [{ shape: [2, 3, 5] }, { shape: [5] }, { shape: [5] }],
    build: (b, [x, g, s]) => b.layerNorm(x!, g!, s!, 1e-5),
  },
];

/** Seeded values: any in [−1, 1], positive in [0.5, 1.5], or away from 0 (|x| ≥ 0.1). */
function values(n: number, kind: Values, r: () => number): Float64Array {
  return Float64Array.from({ length: n }, () => {
    const u = r() * 2 - 1;
    if (kind === 'positive') return 1 + u / 2;
    if (kind === 'away') return (Math.sign(u) || 1) * (0.1 + Math.abs(u));
    return u;
  });
}

function gradientGraph(c: Case): { graph: Graph; xs: Tensor[]; loss: string } {
  const b = new GraphBuilder(c.name, 0);
  const xs = c.inputs.map((inp, i) => b.input(`x${i}`, 'float32', inp.shape));
  const y = c.build(b, xs);
  const r = rng(99);
  const weight = b.constant('r', 'float32', [...y.shape], Array.from({ length: numel(y.shape) }, () => r() * 2 - 1));
  const loss = b.reduceSum(b.mul(y, weight), y.shape.map((_, i) => i), false);
  const grads = differentiate(b, loss, xs);
  b.output(loss, 'loss');
  xs.forEach((x) => b.output(grads.get(x.name)!, `grad.${x.name}`));
  return { graph: b.finish(), xs, loss: 'loss' };
}

describe('each gradient rule against float64 finite differences', () => {
  it.each(CASES.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const { graph } = gradientGraph(c);
    expect(graph.nodes.some((n) => n.op === c.op), `the case runs ${c.op}`).toBe(true);
    const r = rng(7);
    const feeds = Object.fromEntries(c.inputs.map((inp, i) => [`x${i}`, values(numel(inp.shape), inp.values ?? 'any', r)]));
    const out = evalGraph64(graph, feeds);
    const lossAt = (name: string, i: number, h: number) => {
      const moved = Float64Array.from(feeds[name]!);
      moved[i]! += h;
      return (evalGraph64(graph, { ...feeds, [name]: moved })['loss']!.data as Float64Array)[0]!;
    };
    const h = 1e-6;
    for (const [name, x] of Object.entries(feeds)) {
      const g = out[`grad.${name}`]!.data as Float64Array;
      expect(g.length).toBe(x.length);
      x.forEach((_, i) => {
        const fd = (lossAt(name, i, h) - lossAt(name, i, -h)) / (2 * h);
        expect(Math.abs(g[i]! - fd), `${name}[${i}]: rule ${g[i]}, finite differences ${fd}`).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(fd)));
      });
    }
  });

  it('covers every op that has a rule', () => {
    expect(new Set(CASES.map((c) => c.op))).toEqual(new Set(Object.keys(RULES)));
  });
});

describe('ops without a rule', () => {
  it('are refused at compile time, naming the op and the block', () => {
    const x: Tensor = { name: 'x', dtype: 'float32', shape: [2, 3] };
    const y: Tensor = { name: 'y', dtype: 'float32', shape: [2, 3] };
    const g: Graph = {
      name: 'g',
      inputs: [x],
      outputs: [y],
      initializers: [],
      nodes: [{ op: 'Hardmax', inputs: [x], outputs: [y], attrs: {}, scope: 'layer 0 · mixer: made_up' }],
    };
    const e = GraphBuilder.extend(g, 0);
    const loss = e.reduceSum(y, [0, 1], false);
    expect(() => differentiate(e, loss, [x])).toThrow(GradientError);
    expect(() => differentiate(e, loss, [x])).toThrow(/layer 0 · mixer: made_up: the op Hardmax has no gradient rule/);
  });

  it('carry no gradient when they are marked as such (comparisons, Floor)', () => {
    const b = new GraphBuilder('g', 0);
    const x = b.input('x', 'float32', [3]);
    const loss = b.reduceSum(b.mul(x, b.floor(x)), [0], false); // d/dx (x ⊙ ⌊x⌋) = ⌊x⌋ almost everywhere
    const grads = differentiate(b, loss, [x]);
    b.output(grads.get('x')!, 'g');
    const out = evalGraph64(b.finish(), { x: [0.5, 1.5, -1.5] });
    expect(Array.from(out['g']!.data as Float64Array)).toEqual([0, 1, -2]);
    expect(NO_GRADIENT.has('Floor')).toBe(true);
  });
});
