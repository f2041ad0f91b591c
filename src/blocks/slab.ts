/**
 * Simplified linear attention (SLA): ReLU linear attention plus a depthwise convolution of the values.
 * Paper: "SLAB: Efficient Transformers with Simplified Linear Attention and Progressive
 * Re-parameterized BatchNorm" (Guo et al., ICML 2024).
 *
 *   O = ReLU(Q) ReLU(K)ᵀ V / (ReLU(Q) ReLU(K)ᵀ 1 + ε) + DWC(V)
 * Checked against the official code (xinghaochen/SLAB, classification/models/slab_swin.py,
 * SimplifiedLinearAttention): the kernel is ReLU on q and k, no 1/√d scaling, the normaliser is
 * z = 1 / (ReLU(q) · Σ_j ReLU(k_j) + 1e-6), and DWC is applied to V per head (after splitting
 * heads, before the output projection) and added to the attention output; then the projection.
 * The code's DWC is an image (k×k, centred) convolution with head_dim channels, its weights shared
 * by all heads but different per channel, with a bias; it also adds a learnable per-window
 * positional embedding to k before the ReLU. SLA is a vision module (non-causal); its LLaMA
 * experiment uses only PRepBN.
 *
 * Our 1-D form, and why it differs:
 *  - DWC over the sequence, kernel size `kernel` (odd). Bidirectional: centred like the code's
 *    padding = kernel // 2, y_i += Σ_s w_h[s] v_{i+s−p} with p = (kernel − 1)/2 (cross-correlation,
 *    as PyTorch convolutions compute). Causal: the kernel looks only backwards, y_i += Σ_s w_h[s] v_{i−s}
 *    (w_h[0] weighs the current token). Zero padding at the ends.
 *  - One kernel per head, shared by the head's channels (weight `dwc` [H, kernel], drawn from
 *    N(0, 1/kernel), the fan-in scaling of the linear layers), and no bias.
 *    That is what makes the implicit map exact: with per-channel weights the convolution is a
 *    different band for each channel and y_head = A V cannot hold for one A per head, and a bias is
 *    not of the form A V at all. We choose exactness over the code's per-channel kernel.
 *  - No learnable positional embedding on k (positions come from the model's position block at the
 *    embedding; RoPE and logit biases do not reach this mixer, as for linear attention).
 *  - Causal variant: the normaliser and the state sum over j ≤ i (our addition; SLA has none).
 * ε = 1e-6 is added to the denominator as in the code; a row whose features never overlap gives 0.
 *
 * Implicit map, exact: A = A_lin + B with A_lin_ij = ReLU(q_i)·ReLU(k_j) / (Σ_{j' visible} … + ε)
 * and the band B_ij = w_h[s] where the convolution reads v_j at offset s for output i. Inspect
 * mode builds A [B, H, T, T] and computes y = A V from it. Fast mode: the chunkwise linear
 * attention of linearAttention.ts plus the convolution as `kernel` shifted, scaled copies of V
 * (Slice, Concat, Mul, Add): linear in T.
 *
 * Decoding (causal; constant state): linear attention's S = Σ ReLU(k) vᵀ and z = Σ ReLU(k) per head
 * (linearAttentionStep: the chunked prefix sums are these running sums), plus the last kernel − 1
 * values of each head [kernel − 1, hd], oldest first, for y_t += Σ_s w_h[s] v_{t−s}: the fast path's
 * shifted copies of V read exactly these values, and its zero padding is the state's initial zeros.
 */
import { z } from 'zod';
import type { Tensor } from '../graph/ir';
import type { BlockContext } from './define';
import { defineBlock } from './define';
import { relativePositions } from './attention';
import { CHUNK_PARAM, linearAttentionFast, linearAttentionMap, linearAttentionState, linearAttentionStep } from './linearAttention';
import { mergeHeads, splitHeads } from './nn';

/** Offset o such that tap s of the convolution reads v_{i − o} for output i. */
export const tapOffset = (s: number, kernel: number, causal: boolean): number => (causal ? s : (kernel - 1) / 2 - s);

/** x [B, H, T, d] moved down the time axis by o (out_i = x_{i−o}), zero-filled; null when nothing is left. */
function shiftTime(ctx: BlockContext, x: Tensor, o: number): Tensor | null {
  const { b, T } = ctx;
  if (o === 0) return x;
  if (Math.abs(o) >= T) return null;
  const [B, H, , d] = x.shape as [number, number, number, number];
  const m = Math.abs(o);
  const zeros = b.constant('zeros', 'float32', [B, H, m, d], new Array(B * H * m * d).fill(0));
  return o > 0 ? b.concat([zeros, b.slice(x, [2], [0], [T - o])], 2) : b.concat([b.slice(x, [2], [m], [T]), zeros], 2);
}

export default defineBlock({
  kind: 'slab',
  slot: 'mixer',
  title: 'Simplified linear attention (SLAB)',
  paper: 'SLAB: Efficient Transformers with Simplified Linear Attention and Progressive Re-parameterized BatchNorm',
  explanation:
    'Linear attention with the simplest feature map, ReLU, plus a small convolution over the values ' +
    'that adds back the sharp local detail linear attention tends to blur. Each query weighs the ' +
    'visible keys by ReLU(q)·ReLU(k) divided by the row total, so the cost grows linearly with the ' +
    'sequence; the convolution then mixes each token with its few neighbours (only earlier ones when ' +
    'causal). The map is exact: the smooth linear-attention part plus a narrow band along the ' +
    'diagonal holding each head\'s convolution weights, which can be negative.',
  map: 'implicit',
  doc: `
**Paper:** "SLAB: Efficient Transformers with Simplified Linear Attention and Progressive
Re-parameterized BatchNorm" (Guo et al., ICML 2024). Checked against the official code
(xinghaochen/SLAB, SimplifiedLinearAttention).
**Math:** O = ReLU(Q) ReLU(K)ᵀ V / (ReLU(Q) ReLU(K)ᵀ 1 + ε) + DWC(V), per head, then the output
projection; recurrence as for linear attention with φ = ReLU, plus
y_t += Σ_s w_h[s] v_{t−s} (causal) or Σ_s w_h[s] v_{t+s−p}, p = (kernel − 1)/2 (bidirectional).
Parallel form A = A_lin + B, with B the band B_ij = w_h[s] where tap s reads v_j for output i.
The official DWC is a 2-D image convolution with one kernel per channel (shared by all heads) and a
bias; here it is 1-D over the sequence with one kernel per head and no bias, because only then is
y_head = A V exact for one map per head. The causal variant is ours (SLA is a vision module).
The map is exact: the smooth, non-negative linear-attention part, plus a narrow band along the
diagonal holding that head's convolution weights, which can be negative; so rows no longer sum to 1
and the band shows how much each head leans on its immediate neighbours.
**Fast path (ONNX):** the chunked linear attention above (MatMul, Where, CumSum, ReduceSum, Div),
plus the convolution as \`kernel\` shifted copies of V (Slice, Concat with zeros) scaled per head (Mul)
and added (Add). No tensor of size T×T.

**Decoding:** constant state S = Σ ReLU(k) vᵀ, z = Σ ReLU(k) and the last kernel − 1 values per
head, d·(d/H) + d + (kernel − 1)·d floats per layer (causal only).
`,
  params: z.object({
    kernel: z.number().int().min(3).max(9).describe('odd').default(3),
    causal: z.boolean().default(true),
    chunk: CHUNK_PARAM,
  }),
  check: (p) => (p.kernel % 2 === 0 ? `parameter "kernel" must be odd (3, 5, 7 or 9), got ${p.kernel}` : null),
  emit(ctx, x, p) {
    const { b, dModel, nHeads: H } = ctx;
    const fq = b.relu(splitHeads(ctx, ctx.linear(x, dModel, dModel, 'q'))); // [B, H, T, hd]
    const fk = b.relu(splitHeads(ctx, ctx.linear(x, dModel, dModel, 'k')));
    const v = splitHeads(ctx, ctx.linear(x, dModel, dModel, 'v'));
    const w = ctx.weight('dwc', [H, p.kernel], { kind: 'normal', std: 1 / Math.sqrt(p.kernel) }); // one kernel per head
    const tap = (s: number) => b.reshape(b.slice(w, [1], [s], [s + 1]), [1, H, 1, 1]); // w_h[s]
    const project = (mixed: Tensor) => ctx.linear(mergeHeads(ctx, mixed), dModel, dModel, 'o');
    if (ctx.mode === 'inspect') {
      // The band: B_ij = w_h[s] where i − j is tap s's offset; A = A_lin + B and y = A V.
      const { diff } = relativePositions(ctx); // [T, T] float, i − j
      let probs = linearAttentionMap(ctx, fq, fk, p.causal); // [B, H, T, T]
      for (let s = 0; s < p.kernel; s++) {
        const at = b.cast(b.equal(diff, b.scalar(tapOffset(s, p.kernel, p.causal))), 'float32'); // [T, T]
        probs = b.add(probs, b.mul(at, tap(s))); // [B, H, T, T]
      }
      return { y: project(b.matmul(probs, v)), probs };
    }
    let mixed = linearAttentionFast(ctx, fq, fk, v, p.causal, p.chunk);
    for (let s = 0; s < p.kernel; s++) {
      const shifted = shiftTime(ctx, v, tapOffset(s, p.kernel, p.causal));
      if (shifted) mixed = b.add(mixed, b.mul(shifted, tap(s)));
    }
    return { y: project(mixed) };
  },
  decode: {
    state: (p, m) => [
      ...linearAttentionState(m.nHeads, m.dModel / m.nHeads, m.dModel / m.nHeads),
      { name: 'recent', kind: 'recurrent', shape: () => [m.nHeads, p.kernel - 1, m.dModel / m.nHeads], note: 'the last kernel − 1 values per head, oldest first' },
    ],
    emit(ctx, x, p, state) {
      const { b, dModel, nHeads: H } = ctx;
      const K = p.kernel;
      const fq = b.relu(splitHeads(ctx, ctx.linear(x, dModel, dModel, 'q'))); // [B, H, 1, hd]
      const fk = b.relu(splitHeads(ctx, ctx.linear(x, dModel, dModel, 'k')));
      const v = splitHeads(ctx, ctx.linear(x, dModel, dModel, 'v'));
      const w = ctx.weight('dwc', [H, K], { kind: 'normal', std: 1 / Math.sqrt(K) });
      const { out, next } = linearAttentionStep(ctx, fq, fk, v, state);
      const window = b.concat([state['recent']!, v], 2); // v_{t−K+1} … v_t, [B, H, K, hd]
      let mixed = out;
      for (let s = 0; s < K; s++) {
        const tap = b.reshape(b.slice(w, [1], [s], [s + 1]), [1, H, 1, 1]); // w_h[s]
        mixed = b.add(mixed, b.mul(b.slice(window, [2], [K - 1 - s], [K - s]), tap)); // + w_h[s] v_{t−s}
      }
      return { y: ctx.linear(mergeHeads(ctx, mixed), dModel, dModel, 'o'), next: { ...next, recent: b.slice(window, [2], [1], [K]) } };
    },
  },
});
