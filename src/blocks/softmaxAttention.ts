/**
 * Softmax attention (multi-head), causal or bidirectional.
 * Paper: "Attention Is All You Need" (Vaswani et al., 2017).
 *
 *   A = softmax(Q Kᵀ / √headDim + M),  y = concat_h(A_h V_h) W_O
 * where M is 0 where key j is visible from query i and −1e9 elsewhere, so masked weights are
 * exactly 0 after the softmax in float32.
 */
import { z } from 'zod';
import { defineBlock } from './define';
import { causalMask, mergeHeads, splitHeads } from './nn';

export default defineBlock({
  kind: 'softmax_attention',
  slot: 'mixer',
  title: 'Softmax attention',
  paper: 'Attention Is All You Need',
  explanation:
    'Each token builds a query, a key and a value. A query is compared with every key it may see; ' +
    'the scores are scaled by 1/√(head size) and turned into weights by a softmax, so each row of the ' +
    'map sums to 1. The output is the weighted mix of values, per head. Causal attention hides the ' +
    'future, which makes the map lower-triangular. Cost grows with the square of the sequence length.',
  map: 'explicit',
  params: z.object({ causal: z.boolean().default(true) }),
  emit(ctx, x, p) {
    const { b, dModel, headDim } = ctx;
    const q = ctx.position.rotate(splitHeads(ctx, ctx.linear(x, dModel, dModel, 'q'))); // [1, H, T, hd]
    const k = ctx.position.rotate(splitHeads(ctx, ctx.linear(x, dModel, dModel, 'k'))); // [1, H, T, hd]
    const v = splitHeads(ctx, ctx.linear(x, dModel, dModel, 'v')); // [1, H, T, hd]
    let scores = b.mul(b.matmul(q, b.transpose(k, [0, 1, 3, 2])), b.scalar(1 / Math.sqrt(headDim))); // [1, H, T, T]
    const bias = ctx.position.bias();
    if (bias) scores = b.add(scores, bias);
    if (p.causal) scores = b.where(causalMask(ctx), scores, b.scalar(-1e9));
    const probs = b.softmax(scores, -1); // [1, H, T, T]
    const mixed = mergeHeads(ctx, b.matmul(probs, v)); // [1, T, d]
    return { y: ctx.linear(mixed, dModel, dModel, 'o'), probs };
  },
});
