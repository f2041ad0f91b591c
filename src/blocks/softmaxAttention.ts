/**
 * Softmax attention (multi-head), causal or bidirectional.
 * Paper: "Attention Is All You Need" (Vaswani et al., 2017).
 *
 *   A = softmax(Q Kᵀ / √headDim + M),  y = concat_h(A_h V_h) W_O
 * where M is 0 where key j is visible from query i and −1e9 elsewhere, so masked weights are
 * exactly 0 after the softmax in float32. kvHeads < heads gives grouped-query attention
 * (1: multi-query); 0 means one key/value head per query head (see attention.ts).
 */
import { z } from 'zod';
import { defineBlock } from './define';
import { ATTENTION_PARAMS, attention, checkKvHeads, kvHeadsOf } from './attention';
import { causalMask } from './nn';
import { attentionDecode, kvCacheState } from './kvCache';

export default defineBlock({
  kind: 'softmax_attention',
  slot: 'mixer',
  title: 'Softmax attention',
  paper: 'Attention Is All You Need',
  explanation:
    'Each token builds a query, a key and a value. A query is compared with every key it may see; ' +
    'the scores are scaled by 1/√(head size) and turned into weights by a softmax, so each row of the ' +
    'map sums to 1. The output is the weighted mix of values, per head. Causal attention hides the ' +
    'future, which makes the map lower-triangular. With fewer key/value heads than query heads ' +
    '(grouped-query or multi-query attention), several query heads share one key and value, which ' +
    'shrinks the cache a decoder keeps. Cost grows with the square of the sequence length.',
  map: 'explicit',
  letter: 'A',
  doc: `
**Paper:** "Attention Is All You Need" (Vaswani et al., 2017).
**Math:** A_ij = softmax_j(s_ij + bias_ij) over visible keys; y = concat_h(A_h V_g(h)) W_O.
Each row of the map sums to 1; a causal map is lower-triangular.

**Decoding:** a K/V cache of every earlier token (keys unrotated), 2 · kvHeads · headDim floats per token per layer.
`,
  params: z.object({
    ...ATTENTION_PARAMS,
  }),
  check: (p, model) => checkKvHeads(p.kvHeads, model.nHeads),
  emit(ctx, x, p) {
    return attention(ctx, x, { kvHeads: kvHeadsOf(p.kvHeads, ctx.nHeads), mask: p.causal ? causalMask(ctx) : null });
  },
  // Decoding: a K/V cache of every position so far (GQA/MQA store kvHeads heads, not H).
  decode: {
    state: (p, m) => kvCacheState(kvHeadsOf(p.kvHeads, m.nHeads), m.dModel / m.nHeads, { kind: 'full' }),
    emit: (ctx, x, p, state) => attentionDecode(ctx, x, state, { kvHeads: kvHeadsOf(p.kvHeads, ctx.nHeads), layout: { kind: 'full' } }),
  },
});
