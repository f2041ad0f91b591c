/**
 * Power-softmax attention: weights from an even power of the scores instead of their exponential.
 * Paper: "Power-Softmax: Towards Secure LLM Inference over Encrypted Data" (Zimerman et al., 2024).
 *
 *   A_ij = s_ij^p / Σ_k s_ik^p  over visible keys, s = q·k/√headDim, p even
 * Computed as (s/m)^p / Σ (s/m)^p with m = max_k |s_ik| (the same value, without overflow or
 * underflow in float32); rows sum to 1. Reimplementations of the paper add ε·L to the denominator
 * for training stability; at inference we leave it out so that each row is a distribution (the
 * paper's method text could not be read here; see docs/blocks.md).
 */
import { z } from 'zod';
import { ATTENTION_PARAMS, attention, checkKvHeads, kvHeadsOf } from './attention';
import { defineBlock } from './define';
import { causalMask } from './nn';

export default defineBlock({
  kind: 'power_softmax',
  slot: 'mixer',
  title: 'Power-softmax attention',
  paper: 'Power-Softmax: Towards Secure LLM Inference over Encrypted Data',
  explanation:
    'Attention whose weights come from raising each score to an even power p, then dividing by the ' +
    'row total, instead of exponentiating. Polynomials are what encrypted computation can do, so ' +
    'this makes attention runnable on encrypted data. An even power treats a strongly negative ' +
    'score like a strongly positive one, which the map makes visible.',
  map: 'explicit',
  doc: `
**Paper:** "Power-Softmax: Towards Secure LLM Inference over Encrypted Data" (Zimerman et al., 2024).
**Math:** A_ij = s_ij^p / Σ_k s_ik^p over visible keys, p even (2–8). It is computed as
(s/m)^p / Σ (s/m)^p with m the row's largest |s|, which is the same value without overflow. Rows
sum to 1. Public reimplementations add ε·T to the denominator while training; we leave it out so
that each row stays a distribution. With an even power, a strongly negative score attracts as much
weight as a strongly positive one.
`,
  params: z.object({
    power: z.number().int().min(2).max(8).describe('even').default(2),
    ...ATTENTION_PARAMS,
  }),
  check: (p, model) => (p.power % 2 !== 0 ? `parameter "power" must be even (2, 4, 6 or 8), got ${p.power}` : checkKvHeads(p.kvHeads, model.nHeads)),
  emit(ctx, x, p) {
    const { b } = ctx;
    return attention(ctx, x, {
      kvHeads: kvHeadsOf(p.kvHeads, ctx.nHeads),
      mask: p.causal ? causalMask(ctx) : null,
      normalise: (s, mask) => {
        const visible = mask ? b.where(mask, s, b.scalar(0)) : s; // hidden keys score 0, so weigh 0
        const m = b.clip(b.reduceMax(b.abs(visible), [-1], true), 1e-30); // [B, H, T, 1]
        const r = b.div(visible, m);
        const num = b.pow(b.mul(r, r), b.scalar(p.power / 2)); // (s/m)^p, p even
        return b.div(num, b.reduceSum(num, [-1], true));
      },
    });
  },
});
