/**
 * PoNet multi-granularity pooling mixer. Paper: "PoNet: Pooling Network for Efficient Token Mixing
 * in Long Sequences" (Tan et al., ICLR 2022).
 *
 *   Q, K, O, S, L = x W_Q, x W_K, x W_O, x W_seg, x W_loc       (each with a bias; Q, K, O per head)
 *   global aggregation (GA):  ḡ = mean_j Q_j;  p_j = softmax_j(ḡ · K_j / √headDim);  g = Σ_j p_j K_j
 *   segment max-pooling (SMP):  Ŝ_i = max_{j ∈ seg(i)} S_j      (per channel)
 *   local max-pooling (LMP):    L̂_i = max_{j ∈ win(i)} L_j      (per channel)
 *   fusion:  z_i = (g + Ŝ_i) ⊙ O_i + L̂_i,   y = z W_out + b_out
 *
 * Checked against the authors' code as merged into Hugging Face transformers (models/ponet,
 * PoNetSelfAttention; the same in the authors' long-range-arena variant, PoNetAttention): the GA
 * query is the mean of the projected queries; its values are the keys themselves
 * (`context_layer_v = context_layer_k`); the fusion is exactly
 * `(v.unsqueeze(-2) + context_layer_segment) * context_layer_o + context_layer_local`, then the
 * output dense layer (PoNetSelfOutput.dense; its residual and LayerNorm are our topology's). Local
 * max-pooling is MaxPool1d(3, stride 1, padding 1) (padding never wins a max). UNVERIFIED: the
 * paper's own equations were not available to us (only its code); where the paper's text might
 * differ (e.g. a separate GA value projection), we follow the code.
 *
 * Decisions:
 * - Segments: the paper cuts text into sentences or a fixed number of segments; in 1-D token form
 *   we use fixed-length segments of `segment` tokens (seg(i) = ⌊i / segment⌋), the same for any T.
 * - `causal` (default; our decoder variant, the paper is an encoder): ḡ_i = mean_{j ≤ i} Q_j and
 *   p_ij = softmax over j ≤ i (so GA becomes a causal attention with the running mean query: O(T²)
 *   like attention; the paper's bidirectional GA is O(T)); SMP is the running max within the
 *   segment (j ≤ i); LMP's window is the `window` tokens ending at i. Nothing reads the future.
 * - Bidirectional: one ḡ, one g for the whole text; LMP's window is centred (odd `window`).
 * - Position blocks that act inside attention (RoPE, ALiBi, T5) do not apply (PoNet has none).
 * - The causal running mean ḡ_i is a CumSum of Q times 1/(i + 1) in both paths (float32 CumSum
 *   error grows with the running sum; the tests' texts are short).
 *
 * Map (attribution, not exact): PoNet is not linear in its values (max, and the GA softmax whose
 * keys are also its values), so no matrix A gives z = A · values. We show the Jacobian of z with
 * respect to a shift ε_j added to token j's pooled features (its GA key/value K_j, its segment
 * feature S_j and its local feature L_j), channel by channel, averaged over each head's channels:
 *   A_h,ij = (1/hd) Σ_{c ∈ h} ∂z_ic / ∂ε_jc
 *          = (1/hd) Σ_c [ O_ic p_ij (1 + ḡ_ic (K_jc − g_ic) / √hd) + O_ic [j = argmax_seg(i) S_·c] + [j = argmax_win(i) L_·c] ]
 * (the GA part: p_ij from K_j as value, and p_ij ḡ_ic (K_jc − g_ic)/√hd from K_j as key, since
 * ∂p_im/∂l_ij = p_im(δ_mj − p_ij)). Max pooling is piecewise linear: at a given input its Jacobian
 * is exactly the one-hot of the argmax, so this map is the exact linearisation at that input. At an
 * exact tie (a repeated token with equal features) max has no derivative; there the one is split
 * among the k tied tokens (1/k each), as the training gradient of ReduceMax splits it. The test
 * checks the map against a float64 reference whose GA part is measured by central differences.
 *
 * Fast path, no T × T tensor when bidirectional: GA by one mean query (O(T)); SMP by reshaping
 * into segments and ReduceMax (causal: a running max by log₂(segment) doubling steps); LMP by
 * ReduceMax over `window` shifted copies. Padding is −1e9, which never wins a max.
 */
import { z } from 'zod';
import type { Tensor } from '../graph/ir';
import type { BlockContext } from './define';
import { defineBlock } from './define';
import { causalMask, mergeHeads, splitHeads } from './nn';
import { cacheSlots, slotTensors, writeSlot, type CacheLayout } from './kvCache';

const NEG = -1e9;

/** The ring of the last `window` L rows a decode step pools over. */
const localLayout = (window: number): CacheLayout => ({ kind: 'window', window });

/** Window of token i: offsets j − i from `lo` to `hi` (inclusive). */
export function windowOffsets(k: number, causal: boolean): { lo: number; hi: number } {
  return causal ? { lo: -(k - 1), hi: 0 } : { lo: -(k - 1) / 2, hi: (k - 1) / 2 };
}

export default defineBlock({
  kind: 'ponet',
  slot: 'mixer',
  title: 'PoNet (multi-granularity pooling)',
  paper: 'PoNet: Pooling Network for Efficient Token Mixing in Long Sequences',
  explanation:
    'Three poolings at three scales, fused: a global summary of the whole text (one mean query ' +
    'attends over all keys), the maximum of each channel over the token\'s segment, and the maximum ' +
    'over a few neighbours. The global and segment parts scale a per-token gate, the local part is ' +
    'added. Max pooling is not a weighted average, so there is no exact attention map: the map shown ' +
    'is an attribution, how much each output moves when a token\'s pooled features move (the ' +
    'gradient), which is exact for small changes at this input.',
  map: 'attribution',
  doc: `
**Paper:** "PoNet: Pooling Network for Efficient Token Mixing in Long Sequences" (Tan et al., ICLR
2022). Checked against the authors' code in Hugging Face transformers (\`models/ponet\`,
\`PoNetSelfAttention\`); the paper's equation text itself was not available to us (unverified
against it: where it might differ, e.g. a separate GA value projection, we follow the code).
**Math:** Q, K, O, S, L = x W (with biases). GA: ḡ = mean_j Q_j, p = softmax(ḡ Kᵀ/√headDim),
g = p K (the keys are the values, as in the authors' code). SMP: Ŝ_i = max over i's segment of S;
LMP: L̂_i = max over i's window of L. Fusion z_i = (g + Ŝ_i) ⊙ O_i + L̂_i, y = z W_out.
Segments are fixed runs of \`segment\` tokens (the paper also uses sentences). Causal (default;
our decoder variant): running mean query and softmax over j ≤ i (GA becomes O(T²)), running
segment max, window ending at i.
**Map: attribution (gradient), not exact.** A_h,ij = mean over head h's channels c of ∂z_ic/∂ε_jc,
ε_j a shift of token j's pooled features (K_j, S_j, L_j): O_ic p_ij (1 + ḡ_ic (K_jc − g_ic)/√hd)
from GA, O_ic where j is the segment argmax, 1 where j is the window argmax (split 1/k among k
exact ties, e.g. a repeated token without position embeddings, as max's training gradient splits
it). Max pooling is piecewise linear, so this is the exact linearisation at the input shown (the
GA part is checked against float64 central differences); it does not reproduce the output as
map × values.
**Decoding (causal):** a cache of the keys K (the GA attends over all of them with the running
mean query), d floats per token per layer, plus constant-size state: the running sum of Q (d), the
running segment max of S (d) and a ring of the last \`window\` rows of L (window·d). O(C·d) per step.
**Fast path:** GA by one mean query (O(T); causal O(T²)), segment max by reshape + ReduceMax (causal:
running max in log₂(segment) steps), local max by ReduceMax over shifted copies. The inspect path
builds the max-pooling parts of the map as a band of offsets laid onto the diagonals (no T × T × d
tensor).
`,
  params: z.object({
    causal: z.boolean().default(true),
    segment: z.number().int().min(2).max(32).describe('tokens per segment').default(8),
    window: z.number().int().min(2).max(15).describe('local max-pooling window (odd when bidirectional)').default(3),
  }),
  check: (p) => (!p.causal && p.window % 2 === 0 ? `parameter "window" must be odd when bidirectional (a centred window), got ${p.window}` : null),
  emit(ctx, x, p) {
    const { b, dModel: d, headDim: hd } = ctx;
    const q = splitHeads(ctx, ctx.linear(x, d, d, 'q')); // [B, H, T, hd]
    const k = splitHeads(ctx, ctx.linear(x, d, d, 'k'));
    const o = splitHeads(ctx, ctx.linear(x, d, d, 'o'));
    const s = ctx.linear(x, d, d, 'seg'); // [B, T, d]
    const l = ctx.linear(x, d, d, 'loc'); // [B, T, d]

    const ga = globalAggregation(ctx, q, k, p.causal); // g [B, H, T or 1, hd]
    const sMax = p.causal ? segmentRunningMax(ctx, s, p.segment) : segmentMax(ctx, s, p.segment); // [B, T, d]
    const lMax = localMax(ctx, l, p.window, p.causal); // [B, T, d]
    const zHeads = b.add(b.mul(b.add(ga.g, splitHeads(ctx, sMax)), o), splitHeads(ctx, lMax)); // [B, H, T, hd]
    const y = ctx.linear(mergeHeads(ctx, zHeads), d, d, 'out');
    if (ctx.mode === 'fast') return { y };

    // Attribution map: GA part, then the one-hot argmax parts of SMP (gated by O) and LMP.
    const oMean = b.reduceMean(o, [-1], true); // (1/hd) Σ_c O_ic, [B, H, T, 1]
    const og = b.mul(o, ga.gBar); // O ⊙ ḡ, [B, H, T, hd]
    const cross = b.matmul(og, b.transpose(k, [0, 1, 3, 2])); // Σ_c O_ic ḡ_ic K_jc, [B, H, T, T]
    const self = b.reduceSum(b.mul(og, ga.g), [-1], true); // Σ_c O_ic ḡ_ic g_ic, [B, H, T, 1]
    const gaMap = b.mul(ga.p, b.add(oMean, b.mul(b.sub(cross, self), b.scalar(1 / (hd * Math.sqrt(hd)))))); // [B, H, T, T]
    const segOffsets = { lo: -(p.segment - 1), hi: p.causal ? 0 : p.segment - 1 };
    const sameSegment = (i: number, j: number) => Math.floor(i / p.segment) === Math.floor(j / p.segment);
    const segMap = argmaxMap(ctx, s, sMax, o, segOffsets, sameSegment);
    const lMap = argmaxMap(ctx, l, lMax, null, windowOffsets(p.window, p.causal), null);
    return { y, probs: b.add(b.add(gaMap, segMap), lMap) };
  },
  // Decoding (causal only; bidirectional mixers are refused): the GA keys cached, the rest running.
  decode: {
    state: (p, m) => {
      const [H, d] = [m.nHeads, m.dModel];
      return [
        { name: 'k', kind: 'cache', shape: (C) => [H, C, d / H], note: 'GA keys (also its values)' },
        { name: 'q_sum', kind: 'recurrent', shape: () => [H, 1, d / H], note: 'Σ_{j ≤ t} Q_j (the running mean query ḡ times t + 1)' },
        { name: 'seg_max', kind: 'recurrent', shape: () => [1, d], note: 'running max of S within the segment' },
        { name: 'local', kind: 'recurrent', shape: (C) => [cacheSlots(localLayout(p.window), C), d], note: 'ring of the last window rows of L' },
      ];
    },
    emit(ctx, x, p, state) {
      const { b, dModel: d, headDim: hd, decode: dec } = ctx;
      const C = dec.capacity;
      const t = dec.position;
      const q = splitHeads(ctx, ctx.linear(x, d, d, 'q')); // [B, H, 1, hd]
      const kNew = splitHeads(ctx, ctx.linear(x, d, d, 'k'));
      const o = splitHeads(ctx, ctx.linear(x, d, d, 'o'));
      const s = ctx.linear(x, d, d, 'seg'); // [B, 1, d]
      const l = ctx.linear(x, d, d, 'loc');

      // GA: ḡ_t = (Σ_{j ≤ t} Q_j)/(t + 1), softmax over the cached keys, g = p K.
      const full = slotTensors(b, dec, { kind: 'full' });
      const K = writeSlot(b, state['k']!, kNew, full.write); // [B, H, C, hd]
      const qSum = b.add(state['q_sum']!, q);
      const gBar = b.div(qSum, b.add(b.reshape(t, [1, 1, 1, 1]), b.scalar(1)));
      const filled = b.reshape(b.greaterOrEqual(full.positions, b.scalar(0)), [1, 1, 1, C]);
      const logits = b.where(filled, b.mul(b.matmul(gBar, b.transpose(K, [0, 1, 3, 2])), b.scalar(1 / Math.sqrt(hd))), b.scalar(NEG));
      const g = b.matmul(b.softmax(logits, -1), K); // [B, H, 1, hd]

      // SMP: the running max restarts at each segment's first token.
      const starts = b.reshape(b.cast(b.equal(b.sub(t, b.mul(b.floor(b.div(t, b.scalar(p.segment))), b.scalar(p.segment))), b.scalar(0)), 'float32'), [1, 1, 1]);
      const previous = b.add(b.mul(state['seg_max']!, b.sub(b.scalar(1), starts)), b.mul(b.scalar(NEG), starts)); // −1e9 at a segment start
      const segMax = maxOf(ctx, previous, s); // [B, 1, d]

      // LMP: the max over the ring of the last `window` rows (empty slots are −1e9).
      const ring = slotTensors(b, dec, localLayout(p.window));
      const slots = cacheSlots(localLayout(p.window), C);
      const at = b.reshape(ring.write, [1, slots, 1]);
      const local = b.add(b.mul(state['local']!, b.sub(b.scalar(1), at)), b.mul(l, at)); // [B, slots, d]
      const seen = b.reshape(b.greaterOrEqual(ring.positions, b.scalar(0)), [1, slots, 1]);
      const lMax = b.reduceMax(b.where(seen, local, b.scalar(NEG)), [1], true); // [B, 1, d]

      const z = b.add(b.mul(b.add(g, splitHeads(ctx, segMax)), o), splitHeads(ctx, lMax)); // [B, H, 1, hd]
      return { y: ctx.linear(mergeHeads(ctx, z), d, d, 'out'), next: { k: K, q_sum: qSum, seg_max: segMax, local } };
    },
  },
});

/** GA: ḡ (running mean when causal), its softmax weights over the keys p, and g = p K. */
function globalAggregation(ctx: BlockContext, q: Tensor, k: Tensor, causal: boolean): { gBar: Tensor; p: Tensor; g: Tensor } {
  const { b, T, headDim: hd } = ctx;
  const kT = b.transpose(k, [0, 1, 3, 2]); // [B, H, hd, T]
  let gBar: Tensor;
  let logits: Tensor;
  if (causal) {
    const counts = b.constant('running_count', 'float32', [1, 1, T, 1], Array.from({ length: T }, (_, i) => 1 / (i + 1)));
    gBar = b.mul(b.cumSum(q, 2), counts); // ḡ_i = mean_{j ≤ i} Q_j, [B, H, T, hd]
    logits = b.where(causalMask(ctx), b.mul(b.matmul(gBar, kT), b.scalar(1 / Math.sqrt(hd))), b.scalar(NEG)); // [B, H, T, T]
  } else {
    gBar = b.reduceMean(q, [2], true); // [B, H, 1, hd]
    logits = b.mul(b.matmul(gBar, kT), b.scalar(1 / Math.sqrt(hd))); // [B, H, 1, T]
  }
  const p = b.softmax(logits, -1);
  return { gBar, p, g: b.matmul(p, k) };
}

/** `n` rows of −1e9 [B, n, d] (padding that never wins a max). */
function negRows(ctx: BlockContext, n: number, d: number): Tensor {
  return ctx.b.constant('neg_pad', 'float32', [ctx.B, n, d], new Array(ctx.B * n * d).fill(NEG));
}

/** x [B, T, d] padded with −1e9 to nSeg · seg rows and folded into [B, nSeg, seg, d]. */
function toSegments(ctx: BlockContext, x: Tensor, seg: number): { folded: Tensor; n: number } {
  const { b, B, T } = ctx;
  const d = x.shape[2]!;
  const n = Math.ceil(T / seg);
  const padded = n * seg === T ? x : b.concat([x, negRows(ctx, n * seg - T, d)], 1);
  return { folded: b.reshape(padded, [B, n, seg, d]), n };
}

/** Back from [B, n, seg, d] to [B, T, d]. */
function fromSegments(ctx: BlockContext, x: Tensor, n: number, seg: number): Tensor {
  const { b, B, T } = ctx;
  const d = x.shape[3]!;
  const flat = b.reshape(x, [B, n * seg, d]);
  return n * seg === T ? flat : b.slice(flat, [1], [0], [T]);
}

/** Bidirectional SMP: each token gets the channel-wise max of its whole segment. */
function segmentMax(ctx: BlockContext, x: Tensor, seg: number): Tensor {
  const { b, B } = ctx;
  const d = x.shape[2]!;
  const { folded, n } = toSegments(ctx, x, seg);
  return fromSegments(ctx, b.expand(b.reduceMax(folded, [2], true), [B, n, seg, d]), n, seg);
}

/** Causal SMP: the running max within the segment (Hillis–Steele doubling: after the step with shift s, each entry holds the max of the 2s entries ending at it). */
function segmentRunningMax(ctx: BlockContext, x: Tensor, seg: number): Tensor {
  const { b, B } = ctx;
  const d = x.shape[2]!;
  const { folded, n } = toSegments(ctx, x, seg);
  let m = folded; // [B, n, seg, d]
  for (let shift = 1; shift < seg; shift *= 2) {
    const pad = b.constant('neg_pad', 'float32', [B, n, shift, d], new Array(B * n * shift * d).fill(NEG));
    const shifted = b.concat([pad, b.slice(m, [2], [0], [seg - shift])], 2); // m_{i − shift}, −1e9 before the segment
    m = maxOf(ctx, m, shifted);
  }
  return fromSegments(ctx, m, n, seg);
}

/** Element-wise max of two tensors of the same shape (ReduceMax over a new axis: ONNX Max has no rule here). */
function maxOf(ctx: BlockContext, a: Tensor, c: Tensor): Tensor {
  const { b } = ctx;
  const shape = [...a.shape, 1];
  return b.reduceMax(b.concat([b.reshape(a, shape), b.reshape(c, shape)], -1), [-1], false);
}

/** LMP: the channel-wise max over the window of each token (padding −1e9). */
function localMax(ctx: BlockContext, x: Tensor, k: number, causal: boolean): Tensor {
  const { b, B, T } = ctx;
  const d = x.shape[2]!;
  const { lo, hi } = windowOffsets(k, causal);
  const parts = [...(lo < 0 ? [negRows(ctx, -lo, d)] : []), x, ...(hi > 0 ? [negRows(ctx, hi, d)] : [])];
  const padded = b.concat(parts, 1); // row r holds x_{r + lo}
  const shifted = Array.from({ length: k }, (_, m) => b.reshape(b.slice(padded, [1], [m], [m + T]), [B, T, 1, d])); // x_{i + lo + m}
  return b.reduceMax(b.concat(shifted, 2), [2], false); // [B, T, d]
}

/**
 * The one-hot argmax part of the attribution map, [B, H, T, T]: for each offset δ = j − i in
 * [lo, hi], the share of head h's channels c whose max at i came from x_{i+δ} (times the gate
 * O_ic when given), counting only the keys j that `allowed(i, j)` (the same segment; keys outside
 * the text are −1e9 and never hit). Those shares form a band [B, H, T, K] (K offsets), laid onto
 * the diagonals j = i + δ by `bandToDense`.
 */
function argmaxMap(ctx: BlockContext, x: Tensor, xMax: Tensor, gate: Tensor | null, range: { lo: number; hi: number }, allowed: ((i: number, j: number) => boolean) | null): Tensor {
  const { b, T } = ctx;
  const d = x.shape[2]!;
  const before = Math.max(0, -range.lo);
  const after = Math.max(0, range.hi);
  const padded = b.concat([...(before ? [negRows(ctx, before, d)] : []), x, ...(after ? [negRows(ctx, after, d)] : [])], 1);
  // hits[δ][i, c] = 1 where channel c's max at i came from x_{i+δ}; a tie (equal tokens with equal
  // features, e.g. a repeated letter without position embeddings) splits the one among the tied
  // entries, 1/k each, as the training gradient of max does (ReduceMax's rule).
  const hits = Array.from({ length: range.hi - range.lo + 1 }, (_, m) => {
    const delta = range.lo + m;
    const xj = b.slice(padded, [1], [before + delta], [before + delta + T]); // x_{i+δ} (−1e9 outside the text), [B, T, d]
    const hit = b.cast(b.equal(xj, xMax), 'float32'); // [B, T, d]
    if (!allowed) return hit;
    const keep = Array.from({ length: T }, (_, i) => (allowed(i, i + delta) ? 1 : 0));
    return keep.every((k) => k === 1) ? hit : b.mul(hit, b.constant('allowed_key', 'float32', [1, T, 1], keep)); // an equal value in another segment is no hit
  });
  const count = hits.reduce((acc, h) => b.add(acc, h)); // ≥ 1: the max comes from somewhere
  const band = hits.map((h) => {
    const share = splitHeads(ctx, b.div(h, count)); // [B, H, T, hd]
    return b.reduceMean(gate ? b.mul(share, gate) : share, [-1], true); // [B, H, T, 1]
  });
  return bandToDense(ctx, b.concat(band, 3), before); // [B, H, T, T]
}

/**
 * band [B, H, T, K] with band[i, k] the entry for key j = i + k − before → dense [B, H, T, T]
 * (zero off the band), by the skew trick of relative attention: each row padded with T zeros to
 * N = K + T, flattened, cut to T · (N − 1) and read back as rows of N − 1, which shifts row i right
 * by i; then the columns before … before + T − 1 are the keys. No T × T × K tensor is made.
 */
function bandToDense(ctx: BlockContext, band: Tensor, before: number): Tensor {
  const { b, T } = ctx;
  const [B, H, , K] = band.shape as [number, number, number, number];
  const N = K + T;
  const zeros = b.constant('zeros', 'float32', [1, 1, 1, T], new Array(T).fill(0));
  const rows = b.concat([band, b.expand(zeros, [B, H, T, T])], 3); // [B, H, T, N]
  const flat = b.slice(b.reshape(rows, [B, H, T * N]), [2], [0], [T * (N - 1)]);
  const skewed = b.reshape(flat, [B, H, T, N - 1]); // row i shifted right by i: [i, c] = band[i, c − i]
  return b.slice(skewed, [3], [before], [before + T]);
}
