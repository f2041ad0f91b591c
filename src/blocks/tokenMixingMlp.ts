/**
 * Token-mixing MLP (MLP-Mixer's token-mixing layer; TSMixer's time-mixing layer), in its linear form.
 * Papers: "MLP-Mixer: An all-MLP Architecture for Vision" (Tolstikhin et al., NeurIPS 2021) and
 * "TSMixer: An All-MLP Architecture for Time Series Forecasting" (Chen et al., TMLR 2023).
 *
 *   y = M[:T, :T] x          (every channel alike: one learned mixing matrix shared by all channels)
 *   causal: M_ij = 0 for j > i (the matrix is masked lower-triangular, so no token reads the future)
 * M is a learned maxLen × maxLen weight; a sequence of length T uses its top-left T × T corner, so
 * token i is mixed with the same weights whatever the length of the text.
 *
 * The map is the matrix itself (explicit): A_h = M[:T, :T] (masked), the same for every head and
 * every input, and y = A x exactly. Weights are signed and rows need not sum to 1.
 *
 * Decisions:
 * - Linear form. MLP-Mixer's token-mixing MLP is W₂ σ(W₁ xᵀ) over tokens, TSMixer's time mixing is
 *   one linear layer over time followed by ReLU. We keep the single linear layer (TSMixer's, and the
 *   first layer of MLP-Mixer's) without activation or bias, so that the map is exactly the learned
 *   matrix, as issue 19 asks; the nonlinearity and the channel mixing come from the layer's
 *   feed-forward sub-block, as in both papers' alternation of token and channel mixing.
 * - Causal variant (a decoder variant, not in either paper, which are bidirectional in time / over
 *   patches): the upper triangle is replaced by 0 (Where), so those entries get no gradient and stay out
 *   of the output. Bidirectional uses the whole T × T corner.
 * - Init: M ~ N(0, 1/maxLen) (a linear layer's fan-in scaling for fan-in maxLen).
 * - Position blocks that act inside attention (RoPE, ALiBi, T5) do not apply: M is position-aware
 *   by construction.
 * - Fast path = inspect path: the mechanism is a dense T × T product, there is no cheaper form.
 */
import { z } from 'zod';
import type { BlockContext } from './define';
import { defineBlock } from './define';
import { causalMask } from './nn';
import { rememberRowPositions, slotTensors } from './kvCache';

export default defineBlock({
  kind: 'token_mixing_mlp',
  slot: 'mixer',
  title: 'Token-mixing MLP (MLP-Mixer / TSMixer)',
  paper: 'MLP-Mixer: An all-MLP Architecture for Vision',
  explanation:
    'No queries, no keys: each output token is a fixed, learned weighted sum of the input tokens, ' +
    'the same weights for every channel and every text. The weights form one matrix over positions ' +
    '(as long as the longest text), and a text of length T uses its top-left T × T corner. In a ' +
    'decoder the matrix is kept lower-triangular so that no token reads the future. The map shown is ' +
    'that matrix itself: it does not change with the input, only with training.',
  map: 'explicit',
  doc: `
**Papers:** "MLP-Mixer: An all-MLP Architecture for Vision" (Tolstikhin et al., NeurIPS 2021);
"TSMixer: An All-MLP Architecture for Time Series Forecasting" (Chen et al., TMLR 2023).
**Math:** y = M[:T, :T] x, one learned matrix M (maxLen × maxLen) shared by every channel.
Causal (default; our decoder variant, not in either paper): M_ij = 0 for j > i.
**Map (explicit):** the matrix itself, the same for every head and every input; weights are signed
and rows need not sum to 1.
**Simplified:** the linear form (TSMixer's time-mixing linear layer, MLP-Mixer's first token-mixing
layer) without the activation, the second layer or a bias, so that the map is exactly the mixing
matrix; the nonlinearity comes from the layer's feed-forward sub-block.
**Fast path:** the same dense T × T product (there is no cheaper form of a dense learned matrix).
**Decoding:** a cache of the inputs, d floats per token per layer; step t reads row t of M over
the cached inputs, O(C·d) (no recompute: y_t depends on nothing else).
`,
  params: z.object({
    causal: z.boolean().default(true),
  }),
  emit(ctx, x, p) {
    const m = mixingMatrix(ctx, p.causal); // [T, T]
    const y = ctx.b.matmul(m, x); // [T, T] × [B, T, d] → [B, T, d]
    if (ctx.mode === 'fast') return { y };
    const heads = ctx.b.constant('ones', 'float32', [1, ctx.nHeads, 1, 1], new Array(ctx.nHeads).fill(1));
    return { y, probs: ctx.b.mul(ctx.b.reshape(m, [1, 1, ctx.T, ctx.T]), heads) }; // [1, H, T, T]
  },
  // Decoding: y_t = Σ_{j ≤ t} M[t, j] x_j over a cache of the inputs.
  decode: {
    state: (_p, m) => [{ name: 'x', kind: 'cache', shape: (C) => [C, m.dModel], note: 'the inputs x' }],
    emit(ctx, x, _p, state) {
      const { b, B, nHeads: H, maxLen, decode: dec } = ctx;
      const C = dec.capacity;
      const { positions, write } = slotTensors(b, dec, { kind: 'full' });
      const at = b.reshape(write, [1, C, 1]);
      const X = b.add(b.mul(state['x']!, b.sub(b.scalar(1), at)), b.mul(x, at)); // [B, C, d]
      const full = ctx.weight('mix', [maxLen, maxLen], { kind: 'normal', std: 1 / Math.sqrt(maxLen) });
      const rowT = b.gather(full, b.cast(dec.position, 'int64')); // M[t, :], [1, maxLen]
      const cut = C === maxLen ? rowT : b.slice(rowT, [1], [0], [C]); // [1, C]
      // j ≤ t: the filled slots. No eviction input: this matrix is not a distribution to renormalise.
      const row = b.mul(b.reshape(cut, [1, 1, 1, C]), b.reshape(b.cast(b.greaterOrEqual(positions, b.scalar(0)), 'float32'), [1, 1, 1, C]));
      const y = b.matmul(b.reshape(row, [1, C]), X); // [1, C] × [B, C, d] → [B, 1, d]
      return { y, next: { x: X }, row: rememberRowPositions(b.expand(row, [B, H, 1, C]), positions) };
    },
  },
});

/** M[:T, :T], masked lower-triangular when causal. */
function mixingMatrix(ctx: BlockContext, causal: boolean) {
  const { b, T, maxLen } = ctx;
  const full = ctx.weight('mix', [maxLen, maxLen], { kind: 'normal', std: 1 / Math.sqrt(maxLen) });
  const m = T === maxLen ? full : b.slice(full, [0, 1], [0, 0], [T, T]);
  return causal ? b.where(causalMask(ctx), m, b.scalar(0)) : m;
}
