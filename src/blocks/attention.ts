/**
 * The attention core the attention-family blocks share (not a block itself):
 *
 *   q, k, v = x W_Q, x W_K, x W_V          (k and v with kvHeads heads: grouped-query attention)
 *   s_ij   = q_i · k_j / √headDim + bias_ij (bias from the position block: ALiBi, T5)
 *   A      = normalise(s) over the visible keys of each row (softmax unless the block says otherwise)
 *   y      = concat_h(A_h V_g(h)) W_O
 *
 * Grouped-query attention (Ainslie et al., 2023, "GQA: Training Generalized Multi-Query
 * Transformer Models from Multi-Head Checkpoints"): query head h reads key/value head
 * g(h) = ⌊h / (H / kvHeads)⌋. kvHeads = H is multi-head attention, kvHeads = 1 multi-query
 * (Shazeer, 2019). The grouping is a broadcast in the matrix products, never a copy.
 *
 * A block describes which keys a query may see with a mask, built in the graph from position
 * indices (so files do not grow with T²); masked logits become exactly 0 weight.
 */
import { z } from 'zod';
import type { Tensor } from '../graph/ir';
import type { BlockContext, MixerOutput } from './define';
import { allOf, mergeHeads, positionIndices, splitHeads } from './nn';

/** kvHeads as the spec writes it: 0 means "one per query head". */
export const kvHeadsOf = (kvHeads: number, nHeads: number): number => (kvHeads === 0 ? nHeads : kvHeads);

/** The check shared by every block with a kvHeads parameter. */
export function checkKvHeads(kvHeads: number, nHeads: number): string | null {
  if (kvHeads === 0) return null;
  if (kvHeads > nHeads || nHeads % kvHeads !== 0) {
    return `parameter "kvHeads" must divide the model's heads (${nHeads}) or be 0 for one per head, got ${kvHeads}`;
  }
  return null;
}

/** The parameters every attention-family block takes: causality and the number of key/value heads. */
export const ATTENTION_PARAMS = {
  causal: z.boolean().default(true),
  kvHeads: z.number().int().min(0).max(16).describe('dividing nHeads; 0 = one per head, 1 = multi-query').default(0),
};

export interface AttentionOptions {
  /** Key/value heads (already resolved: 1 … nHeads, dividing nHeads). */
  kvHeads: number;
  /** Bool [T, T]: true where query i may see key j; null when every key is visible. */
  mask: Tensor | null;
  /** Scaled logits [B, H, T, T] and the mask → weights [B, H, T, T], 0 where masked. Masked softmax by default.
   *  With `separateBias`, the logits come without the position bias, which is passed as the third argument. */
  normalise?: (logits: Tensor, mask: Tensor | null, bias: Tensor | null) => Tensor;
  /** The normaliser applies the position bias itself (for weights that are not a softmax of the logits). */
  separateBias?: boolean;
  /** From the queries [B, H, T, hd] (before rotation), a factor [B, H, T, 1] for each query (a temperature). */
  queryScale?: (q: Tensor) => Tensor;
}

/** Multi-head (or grouped-query) attention over x [B, T, d]. */
export function attention(ctx: BlockContext, x: Tensor, opts: AttentionOptions): MixerOutput {
  const { b, B, T, dModel, nHeads: H, headDim } = ctx;
  const kv = opts.kvHeads;
  const g = H / kv; // query heads per key/value head
  const q0 = splitHeads(ctx, ctx.linear(x, dModel, dModel, 'q')); // [B, H, T, hd]
  let q = ctx.position.rotate(q0);
  if (opts.queryScale) q = b.mul(q, opts.queryScale(q0)); // [B, H, T, hd] · [B, H, T, 1]
  const k = ctx.position.rotate(splitHeads(ctx, ctx.linear(x, dModel, kv * headDim, 'k'), kv)); // [B, kv, T, hd]
  const v = splitHeads(ctx, ctx.linear(x, dModel, kv * headDim, 'v'), kv); // [B, kv, T, hd]

  // Logits per group: [B, kv, g, T, hd] × [B, kv, 1, hd, T] → [B, kv, g, T, T] → [B, H, T, T].
  const grouped = (t: Tensor) => (g === 1 ? t : b.reshape(t, [B, kv, g, T, t.shape[3]!]));
  const shared = (t: Tensor) => (g === 1 ? t : b.reshape(t, [B, kv, 1, T, headDim]));
  const kT = g === 1 ? b.transpose(k, [0, 1, 3, 2]) : b.transpose(shared(k), [0, 1, 2, 4, 3]);
  let logits = b.matmul(grouped(q), kT);
  if (g !== 1) logits = b.reshape(logits, [B, H, T, T]);
  logits = b.mul(logits, b.scalar(1 / Math.sqrt(headDim))); // [B, H, T, T]
  const bias = ctx.position.bias();
  if (bias && !opts.separateBias) logits = b.add(logits, bias);
  const probs = opts.normalise
    ? opts.normalise(logits, opts.mask, opts.separateBias ? bias : null)
    : b.softmax(opts.mask ? b.where(opts.mask, logits, b.scalar(-1e9)) : logits, -1); // [B, H, T, T]

  let out = b.matmul(grouped(probs), shared(v)); // [B, kv, g, T, hd] (or [B, H, T, hd])
  if (g !== 1) out = b.reshape(out, [B, H, T, headDim]);
  return { y: ctx.linear(mergeHeads(ctx, out), dModel, dModel, 'o'), probs };
}

/** Float [T, T] of i − j (query position minus key position), float [T, 1] of i and [1, T] of j. */
export function relativePositions(ctx: BlockContext): { diff: Tensor; query: Tensor; key: Tensor } {
  const { b } = ctx;
  const { rows, cols } = positionIndices(ctx);
  return { diff: b.cast(b.sub(rows, cols), 'float32'), query: b.cast(rows, 'float32'), key: b.cast(cols, 'float32') };
}

/** Bool [T, T]: key j lies within `w` positions of query i (j ≤ i when causal; |i − j| < w otherwise). */
export function bandMask(ctx: BlockContext, diff: Tensor, w: number, causal: boolean): Tensor {
  const { b } = ctx;
  const near = b.less(b.abs(diff), b.scalar(w));
  return causal ? allOf(ctx, near, b.greaterOrEqual(diff, b.scalar(0))) : near;
}
