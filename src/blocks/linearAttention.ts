/**
 * Linear attention: softmax replaced by a positive feature map, so attention becomes a recurrence.
 * Paper: "Transformers are RNNs: Fast Autoregressive Transformers with Linear Attention"
 * (Katharopoulos et al., 2020); the variant catalogue (docs/variants.md) lists it under "Parallelizing Linear Transformers with
 * the Delta Rule over Sequence Length" (Yang et al., 2024), which restates it as the baseline that
 * DeltaNet generalises.
 *
 *   o_i = φ(q_i)ᵀ S_i / (φ(q_i)ᵀ z_i + ε),   S_i = Σ_{j ≤ i} φ(k_j) v_jᵀ,   z_i = Σ_{j ≤ i} φ(k_j)
 * (bidirectional: the sums run over every j). φ = elu(x) + 1 (the paper's choice) or ReLU, per head.
 * Checked against the official code (idiap/fast-transformers, linear_attention.py and
 * causal_linear_attention.py): φ(x) = elu(x) + 1, no 1/√d scaling of q or k, and the normaliser
 * Z = 1 / (φ(Q) · Σ φ(K) + eps) with eps = 1e-6 added to the denominator (causal: Σ is a cumsum).
 * We use that same additive ε = 1e-6, which also guards ReLU rows whose features never overlap
 * (denominator 0: the row of the map is all zeros and the head outputs 0 there).
 *
 * Implicit map, exact: A_ij = φ(q_i)·φ(k_j) / (Σ_{j' visible} φ(q_i)·φ(k_j') + ε) over visible j,
 * so y_head = A V. Rows are non-negative and sum to 1 (to within ε / denominator; a ReLU row can
 * be all zeros). Inspect mode builds A [B, H, T, T] and computes y = A V from it.
 *
 * Fast mode (the chunkwise parallel form the DeltaNet paper gives for linear attention): chunks of
 * C = min(chunk, T) tokens, the last one zero-padded; within a chunk a C×C masked product
 * φ(Q)φ(K)ᵀ; across chunks the state S and normaliser z of all earlier chunks, from CumSum over
 * the chunk axis shifted by one chunk (exclusive prefix sums). Nothing of size T×T is built.
 * Bidirectional fast mode needs no chunks (`chunk` is unused): one global S = φ(K)ᵀ V and
 * z = Σ φ(k_j). The helpers here (feature map, chunk mask, chunk shift, both paths) are shared
 * with slab.ts and retention.ts.
 *
 * Positions: the mixer has no logits, so an additive position bias (ALiBi, T5) has nothing to act
 * on and RoPE would break φ ≥ 0; both are ignored here (embedding-level positions still apply).
 *
 * Decoding (constant state): per head S_t = S_{t−1} + φ(k_t) v_tᵀ [hd, hd] and z_t = z_{t−1} + φ(k_t)
 * [hd], o_t = φ(q_t)ᵀ S_t / (φ(q_t)·z_t + ε). The chunked form computes the same sums: the exclusive
 * prefix over earlier chunks plus the masked in-chunk part are together Σ_{j ≤ t}, the recurrence's S_t.
 * linearAttentionStep is shared with slab.ts and hashAttention.ts.
 */
import { z } from 'zod';
import type { Tensor } from '../graph/ir';
import type { BlockContext, StateDecl } from './define';
import { defineBlock } from './define';
import { chunkLayout, fromChunks, toChunks } from './chunks';
import { causalMask, mergeHeads, splitHeads } from './nn';

/** The additive guard of the normaliser (fast-transformers' default eps). */
export const LINEAR_EPS = 1e-6;

/** The chunk-size parameter of the linear-time mixers. */
export const CHUNK_PARAM = z.number().int().min(8).max(256).default(64);

/** elu(x) + 1 = x + 1 for x > 0, exp(x) otherwise (always > 0). */
export function elu1(ctx: BlockContext, x: Tensor): Tensor {
  const { b } = ctx;
  return b.where(b.greater(x, b.scalar(0)), b.add(x, b.scalar(1)), b.exp(b.clip(x, undefined, 0)));
}

/** Bool [C, C]: true where position i of a chunk may see position j of the same chunk (j ≤ i). */
export function chunkTriangle(ctx: BlockContext, C: number): Tensor {
  const { b } = ctx;
  const idx = Array.from({ length: C }, (_, i) => i);
  return b.greaterOrEqual(b.constant('chunk_row', 'int64', [C, 1], idx), b.constant('chunk_col', 'int64', [1, C], idx));
}

/** Moves x [B, H, n, …] down the chunk axis (2) by s ≥ 1 chunks, filling with zeros: out_c = x_{c−s}. */
export function shiftChunks(ctx: BlockContext, x: Tensor, s: number): Tensor {
  const { b } = ctx;
  const n = x.shape[2]!;
  const zeroShape = [...x.shape];
  zeroShape[2] = Math.min(s, n);
  const zeros = b.constant('zeros', 'float32', zeroShape, new Array(zeroShape.reduce((a, c) => a * c, 1)).fill(0));
  if (s >= n) return zeros;
  return b.concat([zeros, b.slice(x, [2], [0], [n - s])], 2);
}

/**
 * The exact map of linear attention on feature-mapped queries and keys fq, fk ≥ 0 [B, H, T, hd]:
 * A_ij = φ(q_i)·φ(k_j) / (Σ_{j' visible} φ(q_i)·φ(k_j') + ε), 0 where j is hidden → [B, H, T, T].
 */
export function linearAttentionMap(ctx: BlockContext, fq: Tensor, fk: Tensor, causal: boolean): Tensor {
  const { b } = ctx;
  let scores = b.matmul(fq, b.transpose(fk, [0, 1, 3, 2])); // [B, H, T, T]: φ(q_i)·φ(k_j)
  if (causal) scores = b.where(causalMask(ctx), scores, b.scalar(0));
  return b.div(scores, b.add(b.reduceSum(scores, [-1], true), b.scalar(LINEAR_EPS))); // rows / (z_i + ε)
}

/**
 * The same mixing, y = A V, in linear time without A: fq, fk ≥ 0 and v [B, H, T, hd] → [B, H, T, hd].
 * Causal: chunks of C = min(chunk, T); bidirectional: one global state.
 */
export function linearAttentionFast(ctx: BlockContext, fq: Tensor, fk: Tensor, v: Tensor, causal: boolean, chunk: number): Tensor {
  const { b, T } = ctx;
  const eps = b.scalar(LINEAR_EPS);
  if (!causal) {
    const state = b.matmul(b.transpose(fk, [0, 1, 3, 2]), v); // [B, H, hd, hd]: Σ_j φ(k_j) v_jᵀ
    const zsum = b.reduceSum(fk, [2], true); // [B, H, 1, hd]: Σ_j φ(k_j)
    const den = b.matmul(fq, b.transpose(zsum, [0, 1, 3, 2])); // [B, H, T, 1]
    return b.div(b.matmul(fq, state), b.add(den, eps));
  }
  const C = Math.min(chunk, T);
  const { n } = chunkLayout(T, C);
  const qc = toChunks(ctx, fq, C); // [B, H, n, C, hd]
  const kc = toChunks(ctx, fk, C);
  const vc = toChunks(ctx, v, C);
  // Within a chunk: the masked C×C product.
  const intra = b.where(chunkTriangle(ctx, C), b.matmul(qc, b.transpose(kc, [0, 1, 2, 4, 3])), b.scalar(0)); // [B, H, n, C, C]
  let num = b.matmul(intra, vc); // [B, H, n, C, hd]
  let den = b.reduceSum(intra, [-1], true); // [B, H, n, C, 1]
  if (n > 1) {
    // Across chunks: the state of every earlier chunk, an exclusive prefix sum over the chunk axis.
    const kv = b.matmul(b.transpose(kc, [0, 1, 2, 4, 3]), vc); // [B, H, n, hd, hd]: Σ_{j in chunk} φ(k_j) v_jᵀ
    const ks = b.reduceSum(kc, [3], true); // [B, H, n, 1, hd]: Σ_{j in chunk} φ(k_j)
    const state = shiftChunks(ctx, b.cumSum(kv, 2), 1); // S before chunk c
    const zsum = shiftChunks(ctx, b.cumSum(ks, 2), 1); // z before chunk c
    num = b.add(num, b.matmul(qc, state));
    den = b.add(den, b.matmul(qc, b.transpose(zsum, [0, 1, 2, 4, 3])));
  }
  return fromChunks(ctx, b.div(num, b.add(den, eps)), T);
}

/** The constant decode state of linear attention with `features` feature dimensions and `values` value dimensions per head. */
export function linearAttentionState(heads: number, features: number, values: number): StateDecl[] {
  return [
    { name: 'S', kind: 'recurrent', shape: () => [heads, features, values], note: 'S = Σ φ(k) vᵀ per head' },
    { name: 'z', kind: 'recurrent', shape: () => [heads, 1, features], note: 'z = Σ φ(k) per head' },
  ];
}

/**
 * One token of causal linear attention: fq, fk [B, H, 1, f] (≥ 0), v [B, H, 1, hd] and the state
 * {S [B, H, f, hd], z [B, H, 1, f]} → the head outputs [B, H, 1, hd] and the next state.
 */
export function linearAttentionStep(ctx: BlockContext, fq: Tensor, fk: Tensor, v: Tensor, state: Record<string, Tensor>): { out: Tensor; next: Record<string, Tensor> } {
  const { b } = ctx;
  const S = b.add(state['S']!, b.matmul(b.transpose(fk, [0, 1, 3, 2]), v)); // S_t = S_{t−1} + φ(k_t) v_tᵀ
  const z = b.add(state['z']!, fk); // z_t = z_{t−1} + φ(k_t)
  const den = b.matmul(fq, b.transpose(z, [0, 1, 3, 2])); // φ(q_t)·z_t, [B, H, 1, 1]
  return { out: b.div(b.matmul(fq, S), b.add(den, b.scalar(LINEAR_EPS))), next: { S, z } };
}

export default defineBlock({
  kind: 'linear_attention',
  slot: 'mixer',
  title: 'Linear attention',
  paper: 'Transformers are RNNs: Fast Autoregressive Transformers with Linear Attention',
  explanation:
    'Attention without the softmax: queries and keys first go through a positive feature map φ ' +
    '(elu + 1, or ReLU), and a query weighs each visible key by φ(q)·φ(k), divided by the row total. ' +
    'Because the weights factor into a query part and a key part, a causal model can keep one running ' +
    'summary of the past (Σ φ(k) vᵀ and Σ φ(k)) instead of every key, so cost grows linearly with the ' +
    'sequence and decoding is an RNN. The map shown is exact: each row is that normalised weighting, ' +
    'and it is usually far less peaked than softmax attention.',
  map: 'implicit',
  letter: 'L',
  doc: `
**Paper:** "Transformers are RNNs: Fast Autoregressive Transformers with Linear Attention"
(Katharopoulos et al., 2020); restated as the baseline of "Parallelizing Linear Transformers with
the Delta Rule over Sequence Length" (Yang et al., 2024). Checked against the official code
(idiap/fast-transformers).
**Math:** recurrence S_t = S_{t−1} + φ(k_t) v_tᵀ, z_t = z_{t−1} + φ(k_t),
o_t = φ(q_t)ᵀ S_t / (φ(q_t)·z_t + ε); parallel form A_ij = φ(q_i)·φ(k_j) / (Σ_{j′ ≤ i} φ(q_i)·φ(k_j′) + ε)
for j ≤ i (every j when bidirectional), y = A V per head, then the output projection.
φ = elu(x) + 1 (the paper's choice) or ReLU; ε = 1e-6 as in the official code; no 1/√d scaling.
The map is exact: each row holds how strongly the query's features overlap each visible key's
features, divided by the row total, so the row is a distribution over the visible keys just like
softmax attention, only flatter. With ReLU a query whose features overlap no key gets an all-zero
row (the ε keeps the division finite), so the head outputs 0 there.
**Fast path (ONNX):** chunks of C tokens (Concat with zeros, Reshape); within a chunk a masked C×C
product (MatMul, Where); across chunks the state Σ φ(k) vᵀ and Σ φ(k) of all earlier chunks
(MatMul, ReduceSum, CumSum over the chunk axis, Slice + Concat to shift by one chunk); then Div.
Bidirectional needs no chunks: one global state. No tensor of size T×T. RoPE and additive logit
biases (ALiBi, T5) do not act on this mixer; embedding-level positions do.

**Decoding:** constant state S = Σ φ(k) vᵀ and z = Σ φ(k) per head, d·(d/H) + d floats per layer
(one token: S += φ(k) vᵀ, z += φ(k), o = φ(q)ᵀ S / (φ(q)·z + ε)).
`,
  params: z.object({
    feature: z.enum(['elu1', 'relu']).default('elu1'),
    causal: z.boolean().default(true),
    chunk: CHUNK_PARAM,
  }),
  emit(ctx, x, p) {
    const { b, dModel } = ctx;
    const phi = (t: Tensor) => (p.feature === 'relu' ? b.relu(t) : elu1(ctx, t));
    const fq = phi(splitHeads(ctx, ctx.linear(x, dModel, dModel, 'q'))); // [B, H, T, hd]
    const fk = phi(splitHeads(ctx, ctx.linear(x, dModel, dModel, 'k')));
    const v = splitHeads(ctx, ctx.linear(x, dModel, dModel, 'v'));
    if (ctx.mode === 'inspect') {
      const probs = linearAttentionMap(ctx, fq, fk, p.causal);
      return { y: ctx.linear(mergeHeads(ctx, b.matmul(probs, v)), dModel, dModel, 'o'), probs }; // y = A V
    }
    return { y: ctx.linear(mergeHeads(ctx, linearAttentionFast(ctx, fq, fk, v, p.causal, p.chunk)), dModel, dModel, 'o') };
  },
  decode: {
    state: (_p, m) => linearAttentionState(m.nHeads, m.dModel / m.nHeads, m.dModel / m.nHeads),
    emit(ctx, x, p, state) {
      const { b, dModel } = ctx;
      const phi = (t: Tensor) => (p.feature === 'relu' ? b.relu(t) : elu1(ctx, t));
      const fq = phi(splitHeads(ctx, ctx.linear(x, dModel, dModel, 'q'))); // [B, H, 1, hd]
      const fk = phi(splitHeads(ctx, ctx.linear(x, dModel, dModel, 'k')));
      const v = splitHeads(ctx, ctx.linear(x, dModel, dModel, 'v'));
      const { out, next } = linearAttentionStep(ctx, fq, fk, v, state);
      return { y: ctx.linear(mergeHeads(ctx, out), dModel, dModel, 'o'), next };
    },
  },
});
