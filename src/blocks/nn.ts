/** Small emitter helpers that several blocks share: activations, masks, head splitting. */
import type { Tensor } from '../graph/ir';
import type { BlockContext } from './define';

/** Exact GELU: x · Φ(x) = 0.5 · x · (1 + erf(x / √2)). */
export function gelu(ctx: BlockContext, x: Tensor): Tensor {
  const { b } = ctx;
  const phi = b.mul(b.add(b.erf(b.mul(x, b.scalar(Math.SQRT1_2))), b.scalar(1)), b.scalar(0.5));
  return b.mul(x, phi);
}

/** [T, 1] and [1, T] int64 index vectors: query positions i and key positions j. */
export function positionIndices(ctx: BlockContext): { rows: Tensor; cols: Tensor } {
  const { b, T } = ctx;
  const idx = Array.from({ length: T }, (_, i) => i);
  return { rows: b.constant('query_index', 'int64', [T, 1], idx), cols: b.constant('key_index', 'int64', [1, T], idx) };
}

/** Bool [T, T], true where key j may be seen by query i (j ≤ i), built in the graph from index vectors. */
export function causalMask(ctx: BlockContext): Tensor {
  const { rows, cols } = positionIndices(ctx);
  return ctx.b.greaterOrEqual(rows, cols);
}

/** [B, T, heads · headDim] → [B, heads, T, headDim]. */
export function splitHeads(ctx: BlockContext, x: Tensor, heads = ctx.nHeads): Tensor {
  const { b, B, T, headDim } = ctx;
  return b.transpose(b.reshape(x, [B, T, heads, headDim]), [0, 2, 1, 3]);
}

/** [B, H, T, headDim] → [B, T, dModel]. */
export function mergeHeads(ctx: BlockContext, x: Tensor): Tensor {
  const { b, B, T, dModel } = ctx;
  return b.reshape(b.transpose(x, [0, 2, 1, 3]), [B, T, dModel]);
}

/**
 * Logical AND / OR of bool masks (broadcasting), built from Cast, Mul/Add and Greater rather than
 * ONNX And/Or: onnxruntime-web's WebGPU provider has no kernels for And/Or and would run them on
 * the CPU, with copies either way (docs/benchmarks.md).
 */
export function allOf(ctx: BlockContext, ...masks: Tensor[]): Tensor {
  const { b } = ctx;
  const product = masks.map((m) => b.cast(m, 'float32')).reduce((acc, m) => b.mul(acc, m));
  return b.greater(product, b.scalar(0.5));
}

export function anyOf(ctx: BlockContext, ...masks: Tensor[]): Tensor {
  const { b } = ctx;
  const sum = masks.map((m) => b.cast(m, 'float32')).reduce((acc, m) => b.add(acc, m));
  return b.greater(sum, b.scalar(0.5));
}
