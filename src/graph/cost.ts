/**
 * The cost model: parameters, FLOPs and activation bytes of a graph at the sequence length and
 * batch size it was built for, in total and per scope (block). Conventions (docs/cost-model.md):
 *
 *   MatMul [.., n, k] × [.., k, m]          2·n·k·m per batch element (a multiply-add is 2 FLOPs)
 *   element-wise ops (Add, Mul, Erf, …)      1 per output element
 *   Softmax                                 5 per element (max, subtract, exp, sum, divide)
 *   LogSoftmax                              5 per element (max, subtract, exp, sum, log-subtract)
 *   LayerNormalization                      7 per element (mean, subtract, square, sum, scale by
 *                                           1/σ, γ, β)
 *   ReduceMean, ReduceSum, ReduceMax, CumSum 1 per input element
 *   TopK (k of n)                            n·k per row (k selection passes)
 *   Gather, Reshape, Transpose, Concat,
 *   Slice, Pad, Expand, Identity            0 (they move data, they do not compute)
 *
 * Parameters count the elements of trainable initialisers (a tied weight counts once). Activation
 * bytes add up every tensor an op writes, except Reshape and Identity, which alias their input: an
 * upper bound on what one forward pass allocates, since runtimes reuse buffers.
 */
import type { Graph, OpNode } from './ir';
import { numel, tensorBytes } from './ir';

export interface Cost {
  params: number;
  flops: number;
  activationBytes: number;
}

const ELEMENTWISE = new Set([
  'Add', 'Sub', 'Mul', 'Div', 'Max', 'Min', 'Pow', 'Neg', 'Abs', 'Erf', 'Log', 'Exp', 'Sqrt', 'Floor', 'Relu', 'Tanh', 'Sigmoid', 'Sin', 'Cos',
  'Where', 'GreaterOrEqual', 'Greater', 'Less', 'LessOrEqual', 'Equal', 'And', 'Or', 'Not', 'Cast', 'Clip',
]);
const DATA_MOVEMENT = new Set(['Gather', 'Reshape', 'Transpose', 'Concat', 'Identity', 'Slice', 'Pad', 'Expand']);
const ALIASES = new Set(['Reshape', 'Identity']);

/** FLOPs of one op. Throws for an op without a stated convention, so new ops must declare one. */
export function opFlops(node: OpNode): number {
  const out = node.outputs[0]!;
  if (node.op === 'MatMul') {
    const a = node.inputs[0]!;
    const k = a.shape[a.shape.length - 1]!;
    return 2 * numel(out.shape) * k; // numel(out) = batch · n · m
  }
  if (ELEMENTWISE.has(node.op)) return numel(out.shape);
  if (node.op === 'Softmax' || node.op === 'LogSoftmax') return 5 * numel(out.shape);
  if (node.op === 'LayerNormalization') return 7 * numel(out.shape);
  if (node.op === 'ReduceMean' || node.op === 'ReduceSum' || node.op === 'ReduceMax' || node.op === 'CumSum') return numel(node.inputs[0]!.shape);
  // TopK: one comparison per input element for each of the k picks (a selection, not a sort).
  if (node.op === 'TopK') return numel(node.inputs[0]!.shape) * out.shape[out.shape.length - 1]!;
  if (DATA_MOVEMENT.has(node.op)) return 0;
  throw new Error(`cost model: no FLOP convention for op ${node.op} (add one in src/graph/cost.ts)`);
}

/** Bytes an op writes (0 for ops that alias their input). */
export function opActivationBytes(node: OpNode): number {
  if (ALIASES.has(node.op)) return 0;
  return node.outputs.reduce((s, t) => s + tensorBytes(t), 0);
}

const zero = (): Cost => ({ params: 0, flops: 0, activationBytes: 0 });

/** Total cost of `graph`, and the cost of each scope in the order scopes first appear. */
export function graphCost(graph: Graph): { total: Cost; byScope: { scope: string; cost: Cost }[] } {
  const total = zero();
  const byScope = new Map<string, Cost>();
  const at = (scope: string) => {
    const key = scope || 'model';
    let c = byScope.get(key);
    if (!c) byScope.set(key, (c = zero()));
    return c;
  };
  for (const init of graph.initializers) {
    if (!init.trainable) continue;
    const n = numel(init.tensor.shape);
    total.params += n;
    at(init.scope).params += n;
  }
  for (const node of graph.nodes) {
    const flops = opFlops(node);
    const bytes = opActivationBytes(node);
    total.flops += flops;
    total.activationBytes += bytes;
    const c = at(node.scope);
    c.flops += flops;
    c.activationBytes += bytes;
  }
  return { total, byScope: [...byScope].map(([scope, cost]) => ({ scope, cost })) };
}

/** Bytes of the graph's outputs (what a run hands back: the maps and probes in inspect mode). */
export function outputBytes(graph: Graph): number {
  return graph.outputs.reduce((s, t) => s + tensorBytes(t), 0);
}

/** Bytes of the graph's initialisers: weights and constant tables, as a runtime stores them. */
export function initializerBytes(graph: Graph): number {
  return graph.initializers.reduce((s, i) => s + tensorBytes(i.tensor), 0);
}
