/**
 * DeltaNet: linear attention whose state is edited by the delta rule instead of only added to.
 * Paper: "Parallelizing Linear Transformers with the Delta Rule over Sequence Length" (Yang, Wang,
 * Zhang, Shen & Kim, NeurIPS 2024), after "Linear Transformers Are Secretly Fast Weight
 * Programmers" (Schlag et al., 2021), which introduced the delta-rule update.
 *
 * Per head (headDim d for keys and values), with q_t, k_t L2-normalised and β_t ∈ (0, 1):
 *   S_t = S_{t−1}(I − β_t k_t k_tᵀ) + β_t v_t k_tᵀ = S_{t−1} + β_t (v_t − S_{t−1} k_t) k_tᵀ,
 *   o_t = S_t q_t                                          (S_t: d_v × d_k, S_0 = 0)
 * i.e. the state first reads what it stores under k_t, then moves that a fraction β_t of the way
 * to v_t. Heads are concatenated and go through the output projection.
 *
 * Implicit map, exact (y_head = A V): unrolling, S_t = Σ_{s ≤ t} β_s v_s k_sᵀ ∏_{r=s+1..t}(I − β_r k_r k_rᵀ),
 * so A_ts = β_s k_sᵀ [∏_{r=s+1..t}(I − β_r k_r k_rᵀ)] q_t for s ≤ t and 0 above the diagonal.
 * By the paper's WY / UT representation the same map is
 *   A = (Q Kᵀ ⊙ M) T,   T = (I + tril(diag(β) K Kᵀ, −1))⁻¹ diag(β)      (M: causal, diagonal included)
 * since S_t = Σ_{s ≤ t} u_s k_sᵀ with pseudo-values U = T V. Inspect mode builds T and A [B, H, T, T].
 *
 * The inverse: L = I + N with N = tril(diag(β) K Kᵀ, −1) strictly lower triangular. We invert it by
 * recursive block doubling, which is exact (no series is cut off) and needs no solver:
 *   [[L11, 0], [L21, L22]]⁻¹ = [[L11⁻¹, 0], [−L22⁻¹ L21 L11⁻¹, L22⁻¹]],
 * starting from 1 × 1 blocks (L's diagonal is 1) and doubling the block size log2 P times (the
 * length is zero-padded to a power of two P; padding has k = 0 and β = 0, so it is an identity block
 * below and to the right, and leaves the top-left inverse unchanged). The blocks L21 are built
 * straight from K and β, so L itself is never formed. Every intermediate is a principal block of the
 * inverse, whose entries are −β_s k_jᵀ ∏(I − β_r k_r k_rᵀ) k_s: bounded by 1 in magnitude.
 * Not used: the nilpotent product (I + N)⁻¹ = (I − N)(I + N²)(I + N⁴)…, exact in exact arithmetic
 * but not in float32: the powers N^(2^m) hold path sums that grow like binomial coefficients (about
 * (1 + β)^T) and must cancel. Measured in float32 against float64, keys from repeated tokens:
 * error about 4e-5 at T = 64 and 1e8 at T = 256, overflow (NaN) with identical keys at T = 256; the block
 * doubling stays within 3e-7 at T = 40 … 512 and with identical keys.
 *
 * Fast mode, the paper's chunkwise form (Appendix B; fla-org/flash-linear-attention
 * fla/ops/delta_rule/naive.py `delta_rule_chunkwise`, README.md of that folder): chunks of
 * C = min(chunk, T) tokens (the last zero-padded, β = 0 there). Per chunk, batched over chunks:
 * T_c by the same block doubling on C × C (C padded to a power of two inside the chunk),
 * W_c = T_c K_c, U_c = T_c V_c. Across chunks, with S̃ = Sᵀ (d_k × d_v) the state entering a chunk:
 *   S̃_{c+1} = S̃_c + K_cᵀ (U_c − W_c S̃_c) = (I − K_cᵀ W_c) S̃_c + K_cᵀ U_c,
 *   O_c = Q_c S̃_c + (Q_c K_cᵀ ⊙ M)(U_c − W_c S̃_c).
 * The transition I − K_cᵀ W_c (the chunk's product of (I − β k kᵀ), norm ≤ 1) and K_cᵀ U_c are
 * computed for all chunks at once; only S̃_{c+1} = P_c S̃_c + H_c runs chunk by chunk, unrolled in the
 * graph (n − 1 steps of one d_k × d_k by d_k × d_v MatMul and an Add). Then U_c − W_c S̃_c and O_c are
 * batched again. Linear in T; the largest tensors are H · n · C × C; nothing is T × T.
 *
 * Sources checked:
 * - The paper (arXiv 2406.06484): recurrence S_t = S_{t−1}(I − β_t k_t k_tᵀ) + β_t v_t k_tᵀ,
 *   o_t = S_t q_t; the WY representation P = I − Σ w_i k_iᵀ, H = Σ u_i k_iᵀ; the UT transform
 *   T = (I + tril(diag(β) K Kᵀ, −1))⁻¹ diag(β), W = T K, U = T V; the chunkwise state update
 *   S_{[t+1]} = S_{[t]} + (U_{[t]} − W_{[t]} S_{[t]}ᵀ)ᵀ K_{[t]} and output
 *   O_{[t]} = Q_{[t]} S_{[t]}ᵀ + (Q_{[t]} K_{[t]}ᵀ ⊙ M)(U_{[t]} − W_{[t]} S_{[t]}ᵀ) (as restated in
 *   fla/ops/delta_rule/README.md). The authors' blog (DeltaNet Explained, Part III) describes the
 *   experimental architecture: L2 normalisation and SiLU on q and k (replacing the original L1
 *   normalisation and 1 + ELU), short convolutions after the q/k/v projections, and an output norm.
 * - fla-org/flash-linear-attention: naive.py `delta_rule_recurrence` (v_t ← β_t(v_t − S k_t),
 *   S += k_t v_tᵀ, o_t = qᵀ S with q scaled by d_k^−0.5) and `delta_rule_chunkwise` (the UT transform
 *   by row-wise forward substitution, u = T v, w = T (β k), then the chunk loop above); chunk.py
 *   (`chunk_delta_rule`: scale defaults to 1/√d_k; `use_qk_l2norm_in_kernel`); modules/l2norm.py
 *   (x / √(Σx² + 1e-6)); layers/delta_net.py (q, k, v and β projections with bias=False;
 *   β = sigmoid(x W_β) per head; qk_activation 'silu' and qk_norm 'l2' by default; ShortConvolution
 *   on q, k, v with SiLU; RMSNorm per head before o_proj, bias=False).
 *
 * Decisions (the plain form of the paper's equations):
 * - q and k are L2-normalised per head, as the paper and its code do (x / √(Σx² + 1e-6), fla's ε);
 *   no activation before the norm (the experiments' SiLU is left out) and no 1/√d scaling of q (the
 *   kernels' default scale; the paper's equations have none, and with unit q and k the scores
 *   already lie in [−1, 1]).
 * - No short convolutions, no SiLU on v and no output RMSNorm, so y = A·V holds exactly in the
 *   mixer's input and the map is the whole mixer (like the other implicit mixers here).
 * - Projections wq, wk, wv, wo and wbeta (d → H) without bias, as in fla's DeltaNet layer.
 * - Causal only (a recurrence). RoPE and additive logit biases (ALiBi, T5) do not act on this
 *   mixer; embedding-level positions do.
 *
 * Decoding (constant state): S̃ = Sᵀ [d_k, d_v] per head, S̃_t = S̃_{t−1} + k_tᵀ β_t (v_t − k_t S̃_{t−1}),
 * o_t = q_t S̃_t: the recurrence above, token by token. The chunkwise form is the same recurrence over
 * a chunk at once (a chunk of one token has T_c = β_t, W = β k, U = β v: S̃_{c+1} = S̃_c + kᵀ(βv − βk S̃_c)).
 */
import { z } from 'zod';
import type { Tensor } from '../graph/ir';
import type { BlockContext } from './define';
import { defineBlock } from './define';
import { chunkLayout, fromChunks, toChunks } from './chunks';
import { CHUNK_PARAM, chunkTriangle } from './linearAttention';
import { causalMask, mergeHeads, splitHeads } from './nn';

/** The ε inside the L2 norm (fla's l2norm default). */
export const L2_EPS = 1e-6;

/** The smallest power of two ≥ n. */
const nextPow2 = (n: number): number => 2 ** Math.ceil(Math.log2(n));

/** x / √(Σ x² + ε) over the last axis. */
function l2Normalize(ctx: BlockContext, x: Tensor): Tensor {
  const { b } = ctx;
  return b.div(x, b.sqrt(b.add(b.reduceSum(b.mul(x, x), [-1], true), b.scalar(L2_EPS))));
}

/** A tensor of `like`'s shape filled with `value`: Where on an always-false condition (no stored constant of that size). */
function filledLike(ctx: BlockContext, like: Tensor, value: number): Tensor {
  const { b } = ctx;
  return b.where(b.constant('never', 'bool', [], [0]), like, b.scalar(value));
}

/** Zero-pads `axis` of x at the end up to `size` (size − length must not exceed the length). */
function padAxis(ctx: BlockContext, x: Tensor, axis: number, size: number): Tensor {
  const { b } = ctx;
  const len = x.shape[axis]!;
  if (len === size) return x;
  return b.concat([x, filledLike(ctx, b.slice(x, [axis], [0], [size - len]), 0)], axis);
}

/**
 * (I + tril(diag(β) K Kᵀ, −1))⁻¹ for k [..., P, d] and β [..., P, 1], P a power of two → [..., P, P],
 * by recursive block doubling: [[X11, 0], [−X22 L21 X11, X22]] with L21 = diag(β₂) K₂ K₁ᵀ the
 * lower-left block of each pair of blocks. Exact; log2 P levels of batched MatMuls.
 */
export function unitLowerInverse(ctx: BlockContext, k: Tensor, beta: Tensor): Tensor {
  const { b } = ctx;
  const batch = k.shape.slice(0, -2);
  const [P, d] = k.shape.slice(-2) as [number, number];
  if (P !== nextPow2(P)) throw new Error(`unitLowerInverse needs a power-of-two length, got ${P}`);
  const B = batch.reduce((a, c) => a * c, 1);
  const kb = b.reshape(k, [B, P, d]);
  const bb = b.reshape(beta, [B, P, 1]);
  let x = filledLike(ctx, b.reshape(bb, [B, P, 1, 1]), 1); // blocks of size 1: L's diagonal is 1, [B, P, 1, 1]
  for (let s = 1; s < P; s *= 2) {
    const m = P / (2 * s); // pairs of s-blocks
    const half = (t: Tensor, last: number, i: number) => b.reshape(b.slice(b.reshape(t, [B, m, 2, s, last]), [2], [i], [i + 1]), [B, m, s, last]);
    const l21 = b.mul(half(bb, 1, 1), b.matmul(half(kb, d, 1), b.transpose(half(kb, d, 0), [0, 1, 3, 2]))); // β_i k_i·k_j, [B, m, s, s]
    const x11 = half(x, s, 0); // the inverse of the upper block, [B, m, s, s]
    const x22 = half(x, s, 1); // the inverse of the lower block
    const x21 = b.neg(b.matmul(b.matmul(x22, l21), x11));
    const top = b.concat([x11, filledLike(ctx, x11, 0)], 3); // [B, m, s, 2s]
    const bottom = b.concat([x21, x22], 3);
    x = b.concat([top, bottom], 2); // [B, m, 2s, 2s]
  }
  return b.reshape(x, [...batch, P, P]);
}

/**
 * The chunkwise delta rule (the paper's Appendix B): q, k [B, H, T, d] (L2-normalised), v [B, H, T, d],
 * beta [B, H, T, 1] → o [B, H, T, d], linear in T for a fixed chunk size.
 */
function deltaRuleChunked(ctx: BlockContext, q: Tensor, k: Tensor, v: Tensor, beta: Tensor, chunk: number): Tensor {
  const { b, T } = ctx;
  const [B, H, , dk] = k.shape as [number, number, number, number];
  const dv = v.shape[3]!;
  const C = Math.min(chunk, T); // a chunk longer than the sequence is one chunk of T tokens
  const { n } = chunkLayout(T, C);
  const qc = toChunks(ctx, q, C); // [B, H, n, C, dk] (padding: 0)
  const kc = toChunks(ctx, k, C);
  const vc = toChunks(ctx, v, C);
  const bc = toChunks(ctx, beta, C); // [B, H, n, C, 1] (padding: β = 0, no write)

  // Within a chunk: the UT transform T_c = (I + tril(diag(β) K Kᵀ, −1))⁻¹ diag(β); W = T K, U = T V.
  const Cp = nextPow2(C);
  let inv = unitLowerInverse(ctx, padAxis(ctx, kc, 3, Cp), padAxis(ctx, bc, 3, Cp)); // [B, H, n, Cp, Cp]
  if (Cp > C) inv = b.slice(inv, [3, 4], [0, 0], [C, C]); // [B, H, n, C, C]
  const w = b.matmul(inv, b.mul(bc, kc)); // [B, H, n, C, dk]
  const u = b.matmul(inv, b.mul(bc, vc)); // pseudo-values, [B, H, n, C, dv]
  const intra = b.where(chunkTriangle(ctx, C), b.matmul(qc, b.transpose(kc, [0, 1, 2, 4, 3])), b.scalar(0)); // Q Kᵀ ⊙ M, [B, H, n, C, C]
  if (n === 1) return fromChunks(ctx, b.matmul(intra, u), T);

  // Across chunks: S̃_{c+1} = (I − K_cᵀ W_c) S̃_c + K_cᵀ U_c, S̃_0 = 0, one step per chunk.
  const kT = b.transpose(kc, [0, 1, 2, 4, 3]); // [B, H, n, dk, C]
  const eye = b.constant('identity', 'float32', [dk, dk], Array.from({ length: dk * dk }, (_, i) => (Math.floor(i / dk) === i % dk ? 1 : 0)));
  const transition = b.sub(eye, b.matmul(kT, w)); // [B, H, n, dk, dk]
  const written = b.matmul(kT, u); // [B, H, n, dk, dv]
  let state = b.constant('initial_state', 'float32', [B, H, 1, dk, dv], new Array(B * H * dk * dv).fill(0)); // one per sequence
  const entering: Tensor[] = [state];
  for (let c = 0; c + 1 < n; c++) {
    state = b.add(b.matmul(b.slice(transition, [2], [c], [c + 1]), state), b.slice(written, [2], [c], [c + 1]));
    entering.push(state);
  }
  const states = b.concat(entering, 2); // the state entering each chunk, [B, H, n, dk, dv]

  // Output: O_c = Q_c S̃_c + (Q_c K_cᵀ ⊙ M)(U_c − W_c S̃_c).
  const fresh = b.sub(u, b.matmul(w, states)); // [B, H, n, C, dv]
  return fromChunks(ctx, b.add(b.matmul(qc, states), b.matmul(intra, fresh)), T);
}

export default defineBlock({
  kind: 'deltanet',
  slot: 'mixer',
  title: 'DeltaNet',
  paper: 'Parallelizing Linear Transformers with the Delta Rule over Sequence Length',
  explanation:
    'Linear attention with an editable memory. Each head keeps a matrix that maps keys to values; ' +
    'at every token it first reads what the memory currently returns for the token\'s key, then moves ' +
    'that answer a fraction β (chosen by the token) toward the token\'s value: the delta rule. So a ' +
    'new value stored under an old key overwrites the old one instead of piling on top of it. ' +
    'Unrolled, token t takes from an earlier token s the amount β_s · (s\'s key, passed through every ' +
    'edit made in between) · (t\'s query), which is the map shown; it is exact and can be negative. ' +
    'It runs in time linear in length, chunk by chunk.',
  map: 'implicit',
  letter: 'D',
  doc: `
**Paper:** "Parallelizing Linear Transformers with the Delta Rule over Sequence Length" (Yang et al.,
NeurIPS 2024). The delta-rule update comes from "Linear Transformers Are Secretly Fast Weight
Programmers" (Schlag et al., 2021). Checked against the official code
(fla-org/flash-linear-attention: \`fla/ops/delta_rule/naive.py\`, \`chunk.py\`, the folder's README on the
chunkwise form, \`fla/layers/delta_net.py\`).
**Math:** each head has q_t, k_t (L2-normalised, x / √(Σx² + 10⁻⁶)), v_t and
β_t = sigmoid(x_t W_β)_h ∈ (0, 1). The recurrence is S_t = S_{t−1}(I − β_t k_t k_tᵀ) + β_t v_t k_tᵀ
= S_{t−1} + β_t (v_t − S_{t−1} k_t) k_tᵀ, with o_t = S_t q_t and S_0 = 0. The heads are then
concatenated and go through the output projection. No projection has a bias.
The map is A_ts = β_s k_sᵀ ∏_{r=s+1..t}(I − β_r k_r k_rᵀ) q_t for s ≤ t, and 0 above the diagonal.
In the paper's UT form this is A = (Q Kᵀ ⊙ M) T with T = (I + tril(diag(β) K Kᵀ, −1))⁻¹ diag(β)
(M is causal, diagonal included), so y = A V exactly in every head. The pseudo-values are U = T V.
The triangular inverse is computed exactly by recursive block doubling:
[[L₁₁, 0], [L₂₁, L₂₂]]⁻¹ = [[L₁₁⁻¹, 0], [−L₂₂⁻¹ L₂₁ L₁₁⁻¹, L₂₂⁻¹]], log₂ levels on a length padded to a power
of two. The nilpotent product (I − N)(I + N²)(I + N⁴)… is also exact on paper, but in float32 it
loses everything once T is in the hundreds, because its powers of N grow like binomial
coefficients before they cancel.
Each token first reads what its head's memory returns for its key, then moves that answer a
fraction β of the way to its own value, so a new value stored under an old key replaces the old
value instead of adding to it. Entry (t, s) of the map is how much of token s's value is still
stored under s's key after all the edits in between, as read by t's query. Entries can be
negative, rows do not sum to 1, and a later write under a similar key can erase an earlier column.
Left out from the paper's experimental architecture: the SiLU before the q/k L2 norm, the short
convolutions, the output RMSNorm, and the kernels' 1/√d scaling of q. This leaves the plain equations,
so the map is the whole mixer. Causal only. RoPE and additive logit biases do not act on this mixer;
embedding-level positions do.
**Fast path (no T × T matrix):** the paper's chunkwise form, on chunks of \`chunk\` tokens (the last one
zero-padded, with β = 0 there). For every chunk at once it builds T_c (C × C, with the same exact
block doubling), W_c = T_c K_c, U_c = T_c V_c, the chunk's transition I − K_cᵀ W_c and its write
K_cᵀ U_c. Then S̃_{c+1} = (I − K_cᵀ W_c) S̃_c + K_cᵀ U_c runs chunk by chunk, unrolled in the graph
(⌈T/C⌉ − 1 steps of one small MatMul and an Add). The output is
O_c = Q_c S̃_c + (Q_c K_cᵀ ⊙ M)(U_c − W_c S̃_c), batched again.
ONNX ops: MatMul, ReduceSum, Sqrt, Div, Mul, Add, Sub, Neg, Sigmoid, Where, GreaterOrEqual,
Concat, Slice, Reshape, Transpose.

**Decoding:** constant state S (headDim × headDim per head), d·(d/H) floats per layer
(one token: S ← S + β (v − S k) kᵀ, o = S q).
`,
  params: z.object({
    chunk: CHUNK_PARAM,
  }),
  emit(ctx, x, p) {
    const { b, T, dModel: d } = ctx;
    const { q, k, v, beta } = projections(ctx, x);

    let y: Tensor; // [B, H, T, hd]
    let probs: Tensor | undefined;
    if (ctx.mode === 'inspect') {
      // A = (Q Kᵀ ⊙ M) T with T = (I + tril(diag(β) K Kᵀ, −1))⁻¹ diag(β), the length padded to a power of two.
      const P = nextPow2(T);
      let inv = unitLowerInverse(ctx, padAxis(ctx, k, 2, P), padAxis(ctx, beta, 2, P)); // [B, H, P, P]
      if (P > T) inv = b.slice(inv, [2, 3], [0, 0], [T, T]); // [B, H, T, T]
      const ut = b.mul(inv, b.transpose(beta, [0, 1, 3, 2])); // T_ij = inv_ij β_j
      const mask = causalMask(ctx);
      const scores = b.where(mask, b.matmul(q, b.transpose(k, [0, 1, 3, 2])), b.scalar(0)); // Q Kᵀ ⊙ M
      probs = b.where(mask, b.matmul(scores, ut), b.scalar(0)); // exactly 0 above the diagonal
      y = b.matmul(probs, v);
    } else {
      y = deltaRuleChunked(ctx, q, k, v, beta, p.chunk);
    }
    return { y: ctx.linear(mergeHeads(ctx, y), d, d, 'o', { bias: false }), probs };
  },
  decode: {
    state: (_p, m) => [{ name: 'S', kind: 'recurrent', shape: () => [m.nHeads, m.dModel / m.nHeads, m.dModel / m.nHeads], note: 'S̃ = Sᵀ (keys × values) per head' }],
    emit(ctx, x, _p, state) {
      const { b, dModel: d } = ctx;
      const { q, k, v, beta } = projections(ctx, x); // [B, H, 1, hd], β [B, H, 1, 1]
      const old = state['S']!; // [B, H, dk, dv]
      const fresh = b.mul(beta, b.sub(v, b.matmul(k, old))); // β_t (v_t − k_t S̃_{t−1}), [B, H, 1, dv]
      const S = b.add(old, b.matmul(b.transpose(k, [0, 1, 3, 2]), fresh)); // S̃_t = S̃_{t−1} + k_tᵀ fresh
      return { y: ctx.linear(mergeHeads(ctx, b.matmul(q, S)), d, d, 'o', { bias: false }), next: { S } };
    },
  },
});

/** q, k (L2-normalised), v [B, H, T, hd] and β [B, H, T, 1] of x [B, T, d]. */
function projections(ctx: BlockContext, x: Tensor): { q: Tensor; k: Tensor; v: Tensor; beta: Tensor } {
  const { b, B, T, dModel: d, nHeads: H } = ctx;
  const q = l2Normalize(ctx, splitHeads(ctx, ctx.linear(x, d, d, 'q', { bias: false }))); // [B, H, T, hd]
  const k = l2Normalize(ctx, splitHeads(ctx, ctx.linear(x, d, d, 'k', { bias: false })));
  const v = splitHeads(ctx, ctx.linear(x, d, d, 'v', { bias: false }));
  const beta = b.reshape(b.transpose(b.sigmoid(ctx.linear(x, d, H, 'beta', { bias: false })), [0, 2, 1]), [B, H, T, 1]); // β_t per head
  return { q, k, v, beta };
}
