/**
 * Power-softmax attention: weights from an even power of the scores instead of their exponential.
 * Paper: "Power-Softmax: Towards Secure LLM Inference over Encrypted Data" (Zimerman et al., 2024).
 *
 *   A_ij = s_ij^p / Σ_k s_ik^p  over visible keys, s = q·k/√headDim, p even.
 *
 * With an additive position bias b_ij (ALiBi, T5) the bias keeps its meaning as a log-weight: the
 * weights are A_ij ∝ s_ij^p · exp(b_ij), i.e. softmax_j(p·log|s_ij| + b_ij). (Adding b to s before
 * the even power, as a softmax block does, would turn ALiBi's large negative bias on distant keys
 * into a large positive weight: the farthest key got the most.) Without a bias this is exactly
 * s^p / Σ s^p. Computed in the log domain as one softmax: no overflow or underflow in float32;
 * |s| is clipped at 1e-30 (p·log 1e-30 ≈ −69p, a weight of (1e-30/max|s|)^p, far below float32's
 * resolution) so that a zero score is finite; hidden keys get −1e9 and weigh exactly 0. The paper
 * describes no position bias; the multiplicative exp(b) is our choice, the one that leaves ALiBi a
 * distance penalty. Rows sum to 1. Reimplementations of the paper add ε·L to the denominator for
 * training stability; at inference we leave it out so that each row is a distribution (the paper's
 * method text could not be read here; see docs/blocks.md).
 */
import { z } from 'zod';
import { ATTENTION_PARAMS, attention, checkKvHeads, kvHeadsOf } from './attention';
import { defineBlock } from './define';
import { causalMask } from './nn';
import type { BlockContext } from './define';
import type { Tensor } from '../graph/ir';
import { attentionDecode, kvCacheState } from './kvCache';

/** softmax(p·log|s| + b) over the visible keys: |s|^p · exp(b) normalised. */
const powerNormalise = (ctx: BlockContext, power: number) => (s: Tensor, mask: Tensor | null, bias: Tensor | null) => {
  const { b } = ctx;
  let logits = b.mul(b.log(b.clip(b.abs(s), 1e-30)), b.scalar(power)); // p·log|s|
  if (bias) logits = b.add(logits, bias); // + b: |s|^p · exp(b)
  return b.softmax(mask ? b.where(mask, logits, b.scalar(-1e9)) : logits, -1);
};

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
**Math:** A_ij = s_ij^p / Σ_k s_ik^p over visible keys, p even (2–8). With a position bias b
(ALiBi, T5) the weights are s_ij^p · exp(b_ij) / Σ_k s_ik^p · exp(b_ik): the bias stays a log-weight,
so ALiBi still lowers distant keys (adding b to s before the even power would reward them). This
bias rule is our choice; the paper has no position bias. Computed as softmax(p·log|s| + b) with |s|
clipped at 1e-30, which is the same value without overflow. Rows sum to 1. Public
reimplementations add ε·T to the denominator while training; we leave it out so that each row
stays a distribution. With an even power, a strongly negative score attracts as much
weight as a strongly positive one.
**Decoding:** K/V cache (full), 2·kvHeads·headDim floats per token per layer; the same
normalisation and bias rule over the cached slots.
`,
  params: z.object({
    power: z.number().int().min(2).max(8).describe('even').default(2),
    ...ATTENTION_PARAMS,
  }),
  check: (p, model) => (p.power % 2 !== 0 ? `parameter "power" must be even (2, 4, 6 or 8), got ${p.power}` : checkKvHeads(p.kvHeads, model.nHeads)),
  emit(ctx, x, p) {
    return attention(ctx, x, { kvHeads: kvHeadsOf(p.kvHeads, ctx.nHeads), mask: p.causal ? causalMask(ctx) : null, separateBias: true, normalise: powerNormalise(ctx, p.power) });
  },
  // Decoding: a K/V cache of every position, normalised as above.
  decode: {
    state: (p, m) => kvCacheState(kvHeadsOf(p.kvHeads, m.nHeads), m.dModel / m.nHeads, { kind: 'full' }),
    emit: (ctx, x, p, state) =>
      attentionDecode(ctx, x, state, { kvHeads: kvHeadsOf(p.kvHeads, ctx.nHeads), layout: { kind: 'full' }, separateBias: true, normalise: powerNormalise(ctx, p.power) }),
  },
});
