/**
 * Multi-scale retention (RetNet), causal, in its chunkwise recurrent form.
 * Paper: "Retentive Network: A Successor to Transformer for Large Language Models" (Sun et al., 2023).
 *
 *   recurrent:  S_n = γ_h S_{n−1} + k_nᵀ v_n,   s_n = γ_h s_{n−1} + 1,   o_n = q_n S_n / √s_n
 *   parallel:   Retention(X) = (Q Kᵀ ⊙ D̃) V,   D̃_nm = γ_h^(n−m) / √(Σ_{m' ≤ n} γ_h^(n−m')) for n ≥ m, else 0
 * with q = x W_Q, k = x W_K / √headDim, v = x W_V, and a fixed decay per head γ_h = 1 − 2^(−5−h).
 *
 * Checked against the official code (microsoft/torchscale): RetNetRelPos sets
 * decay = log(1 − 2^(−5 − arange(heads))) and the parallel mask D / D.sum(-1).sqrt() (each row of D
 * divided by the square root of its sum); MultiScaleRetention scales k by key_dim^−0.5 and rotates
 * q and k (theta_shift, a rotary rotation; xPos' scaling is gone from the current code); its
 * recurrent_forward keeps scale_n = scale_{n−1}·γ + 1 and rescales the state by √scale, which is the
 * recurrence above. What we leave out, and why the map stays exact:
 *  - parallel_forward also divides each row of QKᵀ ⊙ D by |Σ_j …| clamped to ≥ 1, and the chunkwise
 *    form by per-chunk abs-sums: numerical stabilisers that rely on the scale invariance of the
 *    GroupNorm that follows (the paper's "retention score normalization"; the code comments
 *    "invariant after normalization"). The recurrent form has neither; we follow it (an abs-sum over a row would need the
 *    T×T matrix, so it has no linear-time form either).
 *  - The GroupNorm (RMSNorm without affine in the current code), the swish gate and the value
 *    width 2·d: left out, so y_head = A V holds exactly with A = Q Kᵀ ⊙ D̃, then the output
 *    projection. q, k, v and o have no bias, as in torchscale.
 *  - Additive logit biases of the position block (ALiBi, T5) do not apply to retention and are ignored.
 *
 * The rotation (`rotation: 'retnet'`, the default) is torchscale's, read in
 * torchscale/architecture/retnet.py (RetNetRelPos) and component/multiscale_retention.py:
 *   angle = 1 / 10000^linspace(0, 1, key_dim/2), each angle repeated for two neighbouring dimensions
 *   (angle.unsqueeze(-1).repeat(1, 2).flatten()), sin/cos of position·angle for positions 0 … T−1,
 *   theta_shift(x) = x·cos + rotate_every_two(x)·sin with rotate_every_two(x) = (−x₁, x₀, −x₃, x₂, …),
 * applied to q and to the already scaled k. So pair i = 0 … P−1 (P = hd/2) turns by t·θ_i with
 * θ_i = 10000^(−i/(P−1)) (θ_0 = 1 and θ_{P−1} = 1/10000 exactly; P = 1 gives θ_0 = 1), not RoPE's
 * base^(−2i/hd) (whose last pair stops short of 1/base). The pairing is RoPE's interleaved one, so
 * the same pair rotation (rope.ts rotatePairs) does it with RetNet's angles. An odd head size
 * leaves its last dimension unrotated (torchscale requires an even key_dim). In this mode the
 * position block's rotation is not applied as well (RetNet has no other position encoding), so a
 * RoPE position block changes only the model's other attention layers. `rotation: 'position'`
 * instead hands q and k to the model's position block (RoPE-rotated retention, this block's former
 * behaviour; with NoPE no rotation at all).
 *
 * Implicit map, exact: A = Q Kᵀ ⊙ D̃ [1, H, T, T] (signed; zero above the diagonal; rows do not sum
 * to 1). Inspect mode builds it and computes y = A V from it.
 *
 * Fast mode, the paper's chunkwise recurrent representation (without torchscale's per-chunk
 * rescalings): chunks of C tokens; within a chunk (Q Kᵀ ⊙ Γ) V with
 * Γ_ij = γ^(i−j) for j ≤ i; across chunks the state R_c = Σ_{m in chunks ≤ c} γ^(end of c − m) k_mᵀ v_m,
 * read by query i of chunk c as γ^(i+1) q_i R_{c−1}; every output row is then multiplied by
 * 1/√s_n. The states R_c follow R_c = γ^C R_{c−1} + K_c, computed as a log-depth scan over the chunk
 * axis (log2(n) steps of R ← R + γ^(C·s) · shift(R, s)). A plain CumSum would need the factors
 * γ^(−C·c), which overflow float32 once C·c·|log γ_0| > 88 (T ≈ 2,800 for the fastest head); the
 * scan only ever multiplies by decays ≤ 1. Work is O(T/C · log(T/C) · d²) plus O(T · C · d).
 *
 * Decoding (constant state), torchscale's recurrent_forward without its GroupNorm: per head
 * S_n = γ_h S_{n−1} + k_nᵀ v_n [hd, hd] and s_n = γ_h s_{n−1} + 1, o_n = q_n S_n / √s_n, with q_n and
 * k_n rotated at position n (RetNet's angles at ctx.decode.position, or the position block's rotateAt).
 * The chunked form is this sum: the in-chunk Γ part plus γ^(i+1) q_i R_{c−1} is Σ_{m ≤ n} γ^(n−m) q_n k_mᵀ v_m,
 * and s_n carries the row scale 1/√s_n = rowScales in the recurrence (s_n = Σ_{m ≤ n} γ^(n−m)).
 * Exact while a key's rotation depends on its own position only; with RoPE's CLEX (angles that change
 * with the text's length) and rotation 'position', `inexactWith` hands the pairing to the generic form.
 */
import { z } from 'zod';
import type { Tensor } from '../graph/ir';
import type { BlockContext } from './define';
import { defineBlock } from './define';
import { relativePositions } from './attention';
import { chunkLayout, fromChunks, toChunks } from './chunks';
import { CHUNK_PARAM, chunkTriangle, shiftChunks } from './linearAttention';
import { causalMask, mergeHeads, splitHeads } from './nn';
import { angleTables, rotatePairs } from './rope';

/** RetNet's decay per head: γ_h = 1 − 2^(−5−h). */
export const retentionGammas = (H: number): number[] => Array.from({ length: H }, (_, h) => 1 - 2 ** (-5 - h));

/** 1/√(Σ_{m ≤ n} γ^(n−m)) = √((1 − γ) / (1 − γ^(n+1))) for head h and position n, in float64. */
export function rowScales(H: number, T: number): number[] {
  const out: number[] = [];
  for (let h = 0; h < H; h++) {
    const logG = Math.log1p(-(2 ** (-5 - h)));
    for (let n = 0; n < T; n++) out.push(Math.sqrt(-Math.expm1(logG) / -Math.expm1((n + 1) * logG)));
  }
  return out;
}

/** RetNetRelPos's angles: θ_i = 1 / 10000^(i/(P − 1)), i = 0 … P − 1 (torch.linspace(0, 1, P)). */
export const retnetAngles = (pairs: number): number[] => Array.from({ length: pairs }, (_, i) => 1 / 10000 ** (pairs === 1 ? 0 : i / (pairs - 1)));

/**
 * q or k [B, H, T, hd] rotated as RetNet does (its own angles) or by the model's position block, at
 * positions 0 … T − 1, or in a decode step (T = 1) at the step's position.
 */
function rotate(ctx: BlockContext, x: Tensor, rotation: 'retnet' | 'position'): Tensor {
  const { b } = ctx;
  const decode = ctx.mode === 'decode' ? ctx.decode : undefined; // the generic form's full-length context has ctx.decode too
  if (rotation === 'position') return decode ? ctx.position.rotateAt(x, decode.position) : ctx.position.rotate(x);
  const pairs = Math.floor(ctx.headDim / 2);
  if (pairs === 0) return x;
  if (decode) {
    const angles = b.mul(b.reshape(decode.position, [1, 1]), b.constant('retnet_angles', 'float32', [1, pairs], retnetAngles(pairs))); // [1, P]: t·θ_i
    return rotatePairs(b, x, b.cos(angles), b.sin(angles));
  }
  const { cos, sin } = angleTables(b, 'retnet', ctx.T, retnetAngles(pairs)); // [T, P]
  return rotatePairs(b, x, cos, sin);
}

/** q, k (scaled by 1/√headDim) rotated, and v, [B, H, T, hd], of x [B, T, d]; no biases, as in torchscale. */
function projections(ctx: BlockContext, x: Tensor, rotation: 'retnet' | 'position'): { q: Tensor; k: Tensor; v: Tensor } {
  const { b, dModel, headDim } = ctx;
  const q = rotate(ctx, splitHeads(ctx, ctx.linear(x, dModel, dModel, 'q', { bias: false })), rotation);
  const k = rotate(ctx, b.mul(splitHeads(ctx, ctx.linear(x, dModel, dModel, 'k', { bias: false })), b.scalar(1 / Math.sqrt(headDim))), rotation);
  const v = splitHeads(ctx, ctx.linear(x, dModel, dModel, 'v', { bias: false }));
  return { q, k, v };
}

/** A [1, H, 1, …, 1] constant from one value per head. */
function perHead(ctx: BlockContext, hint: string, rank: number, values: number[]): Tensor {
  const shape = [1, values.length, ...new Array(rank - 2).fill(1)];
  return ctx.b.constant(hint, 'float32', shape, values);
}

export default defineBlock({
  kind: 'retention',
  slot: 'mixer',
  title: 'Retention (RetNet)',
  paper: 'Retentive Network: A Successor to Transformer for Large Language Models',
  explanation:
    'Attention without the softmax, with a built-in fade: a query weighs each earlier key by q·k times ' +
    'γ to the power of their distance, so the past is remembered less the further back it lies. Each ' +
    'head has its own γ, from about 0.97 (short memory) to almost 1 (long memory). Because the fade is ' +
    'a fixed power, the whole past can be kept in one running state that shrinks by γ at every step, ' +
    'so decoding is an RNN and long sequences are processed chunk by chunk in linear time. Queries and ' +
    'keys are rotated by position with RetNet\'s own angles (or by the model\'s position block). The map is ' +
    'exact and signed: q·k can be negative, and rows do not sum to 1.',
  map: 'implicit',
  letter: 'R',
  doc: `
**Paper:** "Retentive Network: A Successor to Transformer for Large Language Models" (Sun et al.,
2023). Checked against the official code (microsoft/torchscale, MultiScaleRetention and RetNetRelPos).
**Math:** recurrence S_n = γ_h S_{n−1} + k_nᵀ v_n, s_n = γ_h s_{n−1} + 1, o_n = q_n S_n / √s_n;
parallel form A = Q Kᵀ ⊙ D̃ with D̃_nm = γ_h^(n−m) / √(Σ_{m′ ≤ n} γ_h^(n−m′)) for m ≤ n, else 0;
y = A V per head, then the output projection. γ_h = 1 − 2^(−5−h) and k scaled by 1/√headDim, as in
torchscale. Rotation (\`rotation: retnet\`, default): torchscale's RetNetRelPos, checked in
torchscale/architecture/retnet.py and component/multiscale_retention.py: pair i of q and k
(interleaved (x_{2i}, x_{2i+1}), rotate_every_two) turns at position t by t·θ_i with
θ_i = 10000^(−i/(P−1)), P = hd/2 (angles 1/10000^linspace(0, 1, P), both ends included), which
differs from RoPE's base^(−2i/hd); the position block's rotation is then not applied (RetNet has no
other position encoding). \`rotation: position\` lets the model's position block rotate q and k
instead (RoPE-rotated retention).
Causal only. Left out: GroupNorm, the swish gate, the doubled value width, and torchscale's per-row
|Σ| rescaling (a stabiliser that only the GroupNorm makes harmless); this is torchscale's recurrent
form without GroupNorm and gate.
The map is exact and signed: each entry is how much the query agrees with an earlier key (q·k,
possibly negative) faded by γ to the power of their distance, so every head shows a band that
decays away from the diagonal at its own rate, from about 0.97 per step (short memory) to almost 1.
Rows do not sum to 1, and everything above the diagonal is 0 because retention only looks back.
**Fast path (ONNX):** chunks of C tokens; within a chunk (Q Kᵀ ⊙ Γ) V with Γ_ij = γ^(i−j) (MatMul,
Exp, Where, Mul); across chunks the decayed states R_c = γ^C R_{c−1} + K_c as a log-depth scan
over the chunk axis (log2 of the chunk count steps of Slice + Concat shifts, Mul by γ^(C·s), Add),
read by each query with its decay γ^(i+1) (MatMul); finally each row times 1/√s_n (Mul). A CumSum
would need the growing factors γ^(−C·c), which overflow float32 beyond about 2,800 tokens for the
fastest head; the scan only multiplies by decays ≤ 1. No tensor of size T×T.

**Decoding:** constant state S (headDim × headDim per head) and the scale s per head, d·(d/H) + H
floats per layer (one token: S ← γ S + kᵀ v, s ← γ s + 1, o = q S / √s, q and k rotated at the
token's position). With \`rotation: position\` and a position block whose angles change with the
text's length (RoPE's CLEX) a state would keep keys rotated at the angles of their time, so that
pairing decodes by the generic form (inputs cached, recomputed each step), which is exact.
`,
  params: z.object({
    chunk: CHUNK_PARAM,
    rotation: z.enum(['retnet', 'position']).default('retnet'),
  }),
  emit(ctx, x, p) {
    const { b, T, dModel, nHeads: H } = ctx;
    const gammas = retentionGammas(H);
    const logG = gammas.map(Math.log);
    const { q, k, v } = projections(ctx, x, p.rotation); // [B, H, T, hd]
    const scale = b.constant('retention_row_scale', 'float32', [1, H, T, 1], rowScales(H, T)); // 1/√s_n
    const project = (mixed: Tensor) => ctx.linear(mergeHeads(ctx, mixed), dModel, dModel, 'o', { bias: false });

    if (ctx.mode === 'inspect') {
      const { diff } = relativePositions(ctx); // [T, T]: n − m
      const decay = b.exp(b.mul(b.relu(diff), perHead(ctx, 'log_gamma', 4, logG))); // [1, H, T, T]: γ^(n−m)
      const scores = b.mul(b.matmul(q, b.transpose(k, [0, 1, 3, 2])), b.mul(decay, scale)); // [B, H, T, T]: Q Kᵀ ⊙ γ^(n−m)/√s_n
      const probs = b.where(causalMask(ctx), scores, b.scalar(0)); // A = Q Kᵀ ⊙ D̃, exactly 0 above the diagonal
      return { y: project(b.matmul(probs, v)), probs };
    }

    const C = Math.min(p.chunk, T);
    const { n } = chunkLayout(T, C);
    const qc = toChunks(ctx, q, C); // [B, H, n, C, hd]
    const kc = toChunks(ctx, k, C);
    const vc = toChunks(ctx, v, C);
    // Within a chunk: (Q Kᵀ ⊙ Γ) V, Γ_ij = γ^(i−j) for j ≤ i.
    const idx = Array.from({ length: C }, (_, i) => i);
    const diffC = b.cast(b.sub(b.constant('chunk_row', 'int64', [C, 1], idx), b.constant('chunk_col', 'int64', [1, C], idx)), 'float32'); // [C, C]
    const gammaC = b.where(chunkTriangle(ctx, C), b.exp(b.mul(b.relu(diffC), perHead(ctx, 'log_gamma', 4, logG))), b.scalar(0)); // [1, H, C, C]
    const inner = b.mul(b.matmul(qc, b.transpose(kc, [0, 1, 2, 4, 3])), b.reshape(gammaC, [1, H, 1, C, C])); // [B, H, n, C, C]
    let out = b.matmul(inner, vc); // [B, H, n, C, hd]
    if (n > 1) {
      // Each chunk's contribution to the state at its last position: K_c = Σ_j γ^(C−1−j) k_jᵀ v_j.
      const keyDecay = b.constant('key_decay', 'float32', [1, H, 1, C, 1], logG.flatMap((l) => idx.map((j) => Math.exp((C - 1 - j) * l))));
      let state = b.matmul(b.transpose(b.mul(kc, keyDecay), [0, 1, 2, 4, 3]), vc); // [B, H, n, hd, hd]
      // Inclusive scan R_c = γ^C R_{c−1} + K_c, log-depth: R ← R + γ^(C·s) · shift(R, s).
      for (let s = 1; s < n; s *= 2) state = b.add(state, b.mul(shiftChunks(ctx, state, s), perHead(ctx, 'chunk_decay', 5, logG.map((l) => Math.exp(C * s * l)))));
      const queryDecay = b.constant('query_decay', 'float32', [1, H, 1, C, 1], logG.flatMap((l) => idx.map((i) => Math.exp((i + 1) * l)))); // γ^(i+1)
      out = b.add(out, b.matmul(b.mul(qc, queryDecay), shiftChunks(ctx, state, 1))); // γ^(i+1) q_i R_{c−1}
    }
    return { y: project(b.mul(fromChunks(ctx, out, T), scale)) };
  },
  decode: {
    // CLEX's angles change with the text's length: a state of rotated keys would go stale.
    inexactWith: (p, position) =>
      p.rotation === 'position' && position.kind === 'rope' && position.params['scaling'] === 'clex' ? 'keys in the state are rotated at the angles of their time, and CLEX changes them with the length' : null,
    state: (_p, m) => [
      { name: 'S', kind: 'recurrent', shape: () => [m.nHeads, m.dModel / m.nHeads, m.dModel / m.nHeads], note: 'S = Σ γ^(n−m) k_mᵀ v_m per head (keys rotated)' },
      { name: 's', kind: 'recurrent', shape: () => [m.nHeads, 1, 1], note: 's = Σ γ^(n−m) per head (the row scale is 1/√s)' },
    ],
    emit(ctx, x, p, state) {
      const { b, dModel, nHeads: H } = ctx;
      const gamma = perHead(ctx, 'gamma', 4, retentionGammas(H)); // [1, H, 1, 1]
      const { q, k, v } = projections(ctx, x, p.rotation); // [B, H, 1, hd]
      const S = b.add(b.mul(state['S']!, gamma), b.matmul(b.transpose(k, [0, 1, 3, 2]), v)); // γ S + kᵀ v
      const s = b.add(b.mul(state['s']!, gamma), b.scalar(1)); // γ s + 1
      const out = b.div(b.matmul(q, S), b.sqrt(s)); // q S / √s, [B, H, 1, hd]
      return { y: ctx.linear(mergeHeads(ctx, out), dModel, dModel, 'o', { bias: false }), next: { S, s } };
    },
  },
});
