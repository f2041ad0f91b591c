/** Small emitter helpers that several blocks share: linear layers, GELU, the causal mask. */
import type { Tensor } from '../graph/ir';
import type { BlockContext } from './define';

/** y = x W + b with W [inDim, outDim] ~ N(0, 1/inDim) (LeCun normal) and b = 0. */
export function linear(ctx: BlockContext, x: Tensor, inDim: number, outDim: number, name: string): Tensor {
  const w = ctx.weight(`w${name}`, [inDim, outDim], { kind: 'normal', std: 1 / Math.sqrt(inDim) });
  const bias = ctx.weight(`b${name}`, [outDim], { kind: 'constant', value: 0 });
  return ctx.b.add(ctx.b.matmul(x, w), bias);
}

/** Exact GELU: x · Φ(x) = 0.5 · x · (1 + erf(x / √2)). */
export function gelu(ctx: BlockContext, x: Tensor): Tensor {
  const { b } = ctx;
  const phi = b.mul(b.add(b.erf(b.mul(x, b.scalar(Math.SQRT1_2))), b.scalar(1)), b.scalar(0.5));
  return b.mul(x, phi);
}

/** Bool [T, T], true where key j may be seen by query i (j ≤ i), built in the graph from index vectors. */
export function causalMask(ctx: BlockContext): Tensor {
  const { b, T } = ctx;
  const idx = Array.from({ length: T }, (_, i) => i);
  const rows = b.constant('query_index', 'int64', [T, 1], idx);
  const cols = b.constant('key_index', 'int64', [1, T], idx);
  return b.greaterOrEqual(rows, cols);
}

/** [1, T, dModel] → [1, H, T, headDim]. */
export function splitHeads(ctx: BlockContext, x: Tensor): Tensor {
  const { b, T, nHeads, headDim } = ctx;
  return b.transpose(b.reshape(x, [1, T, nHeads, headDim]), [0, 2, 1, 3]);
}

/** [1, H, T, headDim] → [1, T, dModel]. */
export function mergeHeads(ctx: BlockContext, x: Tensor): Tensor {
  const { b, T, dModel } = ctx;
  return b.reshape(b.transpose(x, [0, 2, 1, 3]), [1, T, dModel]);
}
