/**
 * Hashing attention: queries and keys replaced by b-bit binary codes, weighted by how many bits
 * they share, in linear time. Paper: "EcoFormer: Energy-Saving Attention with Linear Complexity"
 * (Liu, Pan, He, Cai & Zhuang, NeurIPS 2022). Authors' code read: ziplab/EcoFormer,
 * pvt/performer.py (EcoformerSelfAttention, EcoformerFastAttention, linear_attention_bias),
 * pvt/hashing/ksh.py (KernelSH) and twins/hashing/utils.py (BinaryQuantizer).
 *
 * Per head h, with u the head's slice of x W_QK (one projection for queries AND keys, without bias,
 * as in the authors' EcoformerSelfAttention: `to_qk`), scaled to unit length (their `qk / ‖qk‖`):
 *   κ_m(u)  = exp(−‖u − a_m‖² / (2 σ(u))),  m = 1 … M anchors a_m (unit length)
 *   σ(u)    = mean_m ‖u − a_m‖²
 *   h(u)_k  = sign(Σ_m κ_m(u) A_mk) ∈ {−1, +1},  k = 1 … b bits     (kernelised hashing, KSH)
 * Since h·h′ = b − 2·Hamming(h, h′), the affinity of query i and key j is
 *   w_ij = h(u_i)·h(u_j) + b + 1 = 2 (b − Hamming) + 1 ∈ [1, 2b + 1]   (always > 0)
 *   y_i  = Σ_j w_ij v_j / Σ_j w_ij   over the visible keys j (j ≤ i when causal).
 * Where the bias b + 1 comes from: linear_attention_bias adds N·(b + 1) to the denominator
 * h(q_i)·Σ_j h(k_j), i.e. every pair gets h·h′ + b + 1. Its numerator adds (b + 1)·v_i (the
 * query's own value) where the same pairwise weights give (b + 1)·Σ_j v_j; we use the latter, so
 * that the rows of the map are the normalised affinities and y = A V holds exactly. The paper's
 * own equation could not be read here (only its abstract): the form above is taken from the code
 * and is marked UNVERIFIED against the paper text.
 *
 * Linear time: w_ij = φ(u_i)·φ(u_j) with φ(u) = [h(u), √(b + 1)] ∈ R^{b+1}, so this is linear
 * attention (linearAttention.ts) on the features φ, and its helpers do both paths:
 * inspect builds A_ij = w_ij / (Σ_j′ w_ij′ + ε) [B, H, T, T] and y = A V (the exact implicit map);
 * fast uses the chunked prefix sums Σ_j φ(u_j) v_jᵀ and Σ_j φ(u_j) (causal) or one global sum,
 * never a T × T tensor. ε = 1e-6 (the shared helper's guard) moves a row by at most 1e-6 relative,
 * since every denominator is ≥ 1.
 *
 * What gets no gradient: sign has derivative 0 almost everywhere, so nothing above the sign —
 * the query/key projection W_QK, the anchors a and the hash weights A — receives any gradient
 * from the loss (their gradients are exactly 0; the gradient check agrees with finite
 * differences). Only W_V and W_O train. The authors instead (1) fit A by kernel-based supervised
 * hashing (KSH, SGD on a sigmoid relaxation) on the first batch, to match the top-k / bottom-k
 * similarities of the softmax map, with anchors sampled from that batch and the feature mean μ
 * subtracted, and (2) let W_QK learn through a straight-through estimator (gradient 1 where |z| < 1).
 * Neither is done here: A and the anchors keep their random initial values (a kernelised
 * locality-sensitive hash), and μ is not subtracted (there is no batch to estimate it from).
 * Everything above the sign is scale-invariant (unit u and anchors, sign of κA), so the decoupled
 * weight decay that still shrinks these matrices does not change the codes.
 * σ is per token (mean over the anchors) instead of the authors' mean over all tokens and
 * anchors, so that a token's code never depends on later tokens.
 *
 * Positions: the mixer has no logits, so RoPE, ALiBi and T5 biases do not act on it.
 *
 * Decoding (causal; constant state): it is linear attention on φ(u), so the recurrence is linear
 * attention's (linearAttentionStep): S_t = S_{t−1} + φ(u_t) v_tᵀ [b + 1, hd] and z_t = z_{t−1} + φ(u_t)
 * per head, y_t = φ(u_t)ᵀ S_t / (φ(u_t)·z_t + ε); the chunked prefix sums of the fast path are these sums.
 * A token's code depends on that token alone (σ per token), so nothing else needs keeping.
 */
import { z } from 'zod';
import type { Tensor } from '../graph/ir';
import type { BlockContext } from './define';
import { defineBlock } from './define';
import { CHUNK_PARAM, linearAttentionFast, linearAttentionMap, linearAttentionState, linearAttentionStep } from './linearAttention';
import { mergeHeads, splitHeads } from './nn';

/** Guard inside the square roots of the unit-length scalings. */
const NORM_EPS = 1e-12;

/** x / ‖x‖ along the last axis (‖x‖ = √(Σ x² + 1e-12)). */
function unit(ctx: BlockContext, x: Tensor): Tensor {
  const { b } = ctx;
  return b.div(x, b.sqrt(b.add(b.reduceSum(b.mul(x, x), [-1], true), b.scalar(NORM_EPS))));
}

/**
 * The b-bit codes h(u) ∈ {−1, +1} of unit vectors u [B, H, T, hd], from unit anchors a [H, M, hd]
 * and hash weights A [H, M, bits] → [B, H, T, bits].
 */
function hashCodes(ctx: BlockContext, u: Tensor, anchors: Tensor, A: Tensor): Tensor {
  const { b } = ctx;
  const dist = b.sub(b.scalar(2), b.mul(b.scalar(2), b.matmul(u, b.transpose(anchors, [0, 2, 1])))); // ‖u − a_m‖² = 2 − 2 u·a_m  [B, H, T, M]
  const sigma = b.reduceMean(dist, [-1], true); // σ(u): mean over the anchors  [B, H, T, 1]
  const kappa = b.exp(b.neg(b.div(dist, b.mul(b.scalar(2), sigma)))); // Gaussian kernel features
  const z = b.matmul(kappa, A); // [B, H, T, bits]
  return b.where(b.greater(z, b.scalar(0)), b.scalar(1), b.scalar(-1)); // sign: no gradient flows through
}

export default defineBlock({
  kind: 'hash_attention',
  slot: 'mixer',
  title: 'Hashing attention (EcoFormer)',
  paper: 'EcoFormer: Energy-Saving Attention with Linear Complexity',
  explanation:
    'Queries and keys are turned into short binary codes (each bit is the sign of a kernel hash ' +
    'of the vector), and a query weighs a key by how many bits their codes share: codes that agree ' +
    'on every bit get the most weight, opposite codes the least (never zero). Because the weight is ' +
    'a dot product of codes, the sums over keys can be kept as running totals, so cost grows ' +
    'linearly with the sequence and the products need only additions. The map shown is exact. ' +
    'The sign has no gradient, so the codes stay as initialised here and only the values and the ' +
    'output projection learn.',
  map: 'implicit',
  doc: `
**Paper:** "EcoFormer: Energy-Saving Attention with Linear Complexity" (Liu et al., NeurIPS 2022).
Checked against the authors' code (ziplab/EcoFormer: performer.py, hashing/ksh.py); the paper's
own equations could not be read, so the bias term below is taken from the code (UNVERIFIED against
the paper text).
**Math:** per head, u = the head's slice of x W_QK (one projection shared by queries and keys, as in
the code) scaled to unit length; kernel features κ_m(u) = exp(−‖u − a_m‖² / 2σ(u)) against M unit
anchors a_m, with σ(u) = mean_m ‖u − a_m‖²; code h(u) = sign(κ(u) A) ∈ {−1, +1}^b. Affinity
w_ij = h(u_i)·h(u_j) + b + 1 = 2 (b − Hamming distance) + 1, always ≥ 1;
y_i = Σ_j w_ij v_j / Σ_j w_ij over the visible keys (j ≤ i when causal), then the output projection.
The map is exact: A_ij = w_ij / (Σ_j′ w_ij′ + ε) (ε = 1e-6, the linear-attention guard; every total
is ≥ 1), so each row is a distribution over the visible keys that ranks them by Hamming distance,
with only b + 1 distinct levels (the odd numbers 1 … 2b + 1, divided by the row total).
**No gradient through sign:** W_QK, the anchors and the hash weights A receive exactly zero gradient;
W_V and W_O train. Differences from the authors: they fit A by kernel-based supervised hashing on
the first batch (matching the softmax map's most and least similar pairs), sample the anchors from
that batch, subtract the features' training mean, train W_QK through a straight-through estimator,
and use one σ per sequence; here A and the anchors stay random (a kernelised locality-sensitive
hash), no mean is subtracted, and σ is per token (so that causal codes never see later tokens). The
code's numerator adds (b + 1)·v_i where the pairwise weights give (b + 1)·Σ_j v_j; we use the latter.
**Fast path (ONNX):** it is linear attention on φ(u) = [h(u), √(b + 1)]: chunks of C tokens, a masked
C×C product inside a chunk, prefix sums (CumSum) of Σ φ(u) vᵀ and Σ φ(u) across chunks; bidirectional:
one global sum. No T×T tensor. The sign is Greater + Where. RoPE, ALiBi and T5 biases do not act on
this mixer.

**Decoding:** constant state S = Σ φ(u) vᵀ and z = Σ φ(u) on the codes φ(u) = [h(u), √(b + 1)], per
head, (b + 1)·(d + H) floats per layer (causal only).
`,
  params: z.object({
    bits: z.number().int().min(2).max(64).describe('length b of the binary codes').default(16),
    anchors: z.number().int().min(2).max(64).describe('anchor points M of the kernel hash').default(16),
    causal: z.boolean().default(true),
    chunk: CHUNK_PARAM,
  }),
  emit(ctx, x, p) {
    const { b, dModel } = ctx;
    const phi = features(ctx, x, p);
    const v = splitHeads(ctx, ctx.linear(x, dModel, dModel, 'v'));
    if (ctx.mode === 'inspect') {
      const probs = linearAttentionMap(ctx, phi, phi, p.causal);
      return { y: ctx.linear(mergeHeads(ctx, b.matmul(probs, v)), dModel, dModel, 'o'), probs };
    }
    return { y: ctx.linear(mergeHeads(ctx, linearAttentionFast(ctx, phi, phi, v, p.causal, p.chunk)), dModel, dModel, 'o') };
  },
  decode: {
    state: (p, m) => linearAttentionState(m.nHeads, p.bits + 1, m.dModel / m.nHeads),
    emit(ctx, x, p, state) {
      const { dModel } = ctx;
      const phi = features(ctx, x, p); // [B, H, 1, bits + 1]
      const { out, next } = linearAttentionStep(ctx, phi, phi, splitHeads(ctx, ctx.linear(x, dModel, dModel, 'v')), state);
      return { y: ctx.linear(mergeHeads(ctx, out), dModel, dModel, 'o'), next };
    },
  },
});

/** φ(u) = [h(u), √(b + 1)] for x [B, T, d] → [B, H, T, bits + 1], so that φ·φ′ = h·h′ + b + 1. */
function features(ctx: BlockContext, x: Tensor, p: { bits: number; anchors: number }): Tensor {
  const { b, B, T, dModel, nHeads: H, headDim } = ctx;
  const u = unit(ctx, splitHeads(ctx, ctx.linear(x, dModel, dModel, 'qk', { bias: false }))); // [B, H, T, hd], queries = keys
  const anchors = unit(ctx, ctx.weight('anchors', [H, p.anchors, headDim], { kind: 'normal', std: 1 })); // [H, M, hd]
  const A = ctx.weight('hash', [H, p.anchors, p.bits], { kind: 'normal', std: 1 }); // [H, M, bits]
  const codes = hashCodes(ctx, u, anchors, A); // [B, H, T, bits]
  return b.concat([codes, b.expand(b.scalar(Math.sqrt(p.bits + 1)), [B, H, T, 1])], -1);
}
