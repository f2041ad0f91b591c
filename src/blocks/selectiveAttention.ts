/**
 * Selective attention: softmax attention with a temperature per query, from its position and its
 * content. Paper: "Selective Attention: Enhancing Transformer through Principled Context Control"
 * (Zhang et al., NeurIPS 2024).
 *
 *   q̃_i = τ_i · q_i,  τ_i = 1 + σ(α) · log(i + 1) + tanh(w_h · GELU(q_i))   (i 0-based)
 *   A = softmax(q̃ Kᵀ / √headDim) over visible keys
 * Position part: the authors' code scales logits by 1 + f(β) · log(position) with one learnable
 * scalar per layer; we use σ(α) with α = 0 at initialisation. Token part: tanh of a learned
 * per-head vector w_h applied to GELU(q_i), as the paper's "τ_pos + τ_tok" ablation and public
 * reimplementations write it (the paper's own formula text could not be read here). The value
 * temperature of the paper is left out: it rescales values and does not change the map.
 */
import { z } from 'zod';
import { ATTENTION_PARAMS, attention, checkKvHeads, kvHeadsOf } from './attention';
import { defineBlock } from './define';
import { causalMask, gelu } from './nn';
import type { BlockContext } from './define';
import type { Tensor } from '../graph/ir';
import { attentionDecode, kvCacheState } from './kvCache';

/** τ = 1 + σ(α)·log(i + 1) + tanh(w_h · GELU(q)) for queries q [B, H, n, hd] at log(i + 1) = `logPos` (broadcastable to [1, 1, n, 1]). */
function temperature(ctx: BlockContext, logPos: Tensor): (q: Tensor) => Tensor {
  const { b, nHeads: H, headDim } = ctx;
  const alpha = ctx.weight('alpha', [1], { kind: 'constant', value: 0 });
  const w = ctx.weight('w_tok', [1, H, headDim, 1], { kind: 'normal', std: 1 / Math.sqrt(headDim) });
  return (q) => {
    const tauPos = b.add(b.scalar(1), b.mul(b.sigmoid(alpha), logPos)); // [1, 1, n, 1]
    const tauTok = b.tanh(b.matmul(gelu(ctx, q), w)); // [B, H, n, hd] × [1, H, hd, 1] → [B, H, n, 1]
    return b.add(tauPos, tauTok); // [B, H, n, 1]
  };
}

export default defineBlock({
  kind: 'selective_attention',
  slot: 'mixer',
  title: 'Selective attention',
  paper: 'Selective Attention: Enhancing Transformer through Principled Context Control',
  explanation:
    'Softmax attention where each query chooses how sharp to be. Its logits are multiplied by a ' +
    'temperature that grows with the log of its position (later tokens face more keys and would ' +
    'otherwise spread thinner) and that also depends on what the query holds. A high temperature ' +
    'gives a peaked map row, a low one a flat row.',
  map: 'explicit',
  doc: `
**Paper:** "Selective Attention: Enhancing Transformer through Principled Context Control" (Zhang et
al., NeurIPS 2024).
**Math:** q̃_i = τ_i q_i with τ_i = 1 + σ(α)·log(i + 1) + tanh(w_h · GELU(q_i)); A = softmax(q̃ kᵀ/√hd).
α is one learnable scalar per layer (0 at start) and w_h a learnable vector per head.
**Sources:** the position term follows the authors' code (logits scaled by 1 + f(β)·log position).
The token term follows the paper's "τ_pos + τ_tok" ablation as public reimplementations write it,
because the paper's own formula text was not available to us. The paper's value temperature only
rescales values and does not change the map, so it is left out.
**Decoding:** K/V cache (full), 2·kvHeads·headDim floats per token per layer; the query's
temperature needs only its own position and content.
`,
  params: z.object({
    ...ATTENTION_PARAMS,
  }),
  check: (p, model) => checkKvHeads(p.kvHeads, model.nHeads),
  emit(ctx, x, p) {
    const { b, T } = ctx;
    const logPos = b.constant('log_position', 'float32', [1, 1, T, 1], Array.from({ length: T }, (_, i) => Math.log(i + 1)));
    return attention(ctx, x, { kvHeads: kvHeadsOf(p.kvHeads, ctx.nHeads), mask: p.causal ? causalMask(ctx) : null, queryScale: temperature(ctx, logPos) });
  },
  // Decoding: a K/V cache of every position; τ of the new query from log(position + 1).
  decode: {
    state: (p, m) => kvCacheState(kvHeadsOf(p.kvHeads, m.nHeads), m.dModel / m.nHeads, { kind: 'full' }),
    emit(ctx, x, p, state) {
      const { b, decode: dec } = ctx;
      const logPos = b.reshape(b.log(b.add(dec.position, b.scalar(1))), [1, 1, 1, 1]);
      return attentionDecode(ctx, x, state, { kvHeads: kvHeadsOf(p.kvHeads, ctx.nHeads), layout: { kind: 'full' }, queryScale: temperature(ctx, logPos) });
    },
  },
});
