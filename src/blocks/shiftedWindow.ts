/**
 * Shifted-window attention in one dimension (Swin): softmax attention inside non-overlapping
 * windows of w tokens, the window grid displaced by ⌊w/2⌋ on every other layer so that
 * information crosses window borders. Paper: "Swin Transformer: Hierarchical Vision Transformer
 * using Shifted Windows" (Liu et al., ICCV 2021).
 *
 *   window(i) = ⌊(i + o) / w⌋,  o = 0 on even layers, o = w − ⌊w/2⌋ on odd layers (shifted)
 *   visible(i, j) = window(i) = window(j)  (and j ≤ i when causal)
 *   s_ij = q_i · k_j / √headDim + B_h[i − j]   (B: Swin's learned relative position bias, 2w − 1 per head)
 *   A = softmax over the visible keys, y = concat_h(A_h V_h) W_O
 * On a shifted layer the windows are [0, s), [s, s + w), [s + 2w, …), …, with s = ⌊w/2⌋.
 *
 * Sources checked (microsoft/Swin-Transformer, models/swin_transformer.py):
 * - SwinTransformerBlock: shift_size = window_size // 2 on odd blocks of a stage (0 on even ones);
 *   when the input is no longer than the window, no shift and one window of the whole input.
 * - The shifted partition is torch.roll by −s, windows of w, and a mask (−100 on the logits)
 *   between the two regions that the roll brought together in the last window; rolled back after.
 *   In original positions that is exactly the partition [0, s), [s, s + w), …, [T − w + s, T):
 *   window ⌊(i + w − s)/w⌋ above. We mask exactly (weight 0) where the code adds −100 (weight
 *   ≈ e^−100 ≈ 4e−44).
 * - WindowAttention: logits q·kᵀ·head_dim^−½ + relative_position_bias_table[index], the index of
 *   (query − key) + (w − 1) per axis; the table (2w − 1 entries per axis, per head) starts as
 *   trunc_normal(std 0.02). 1-D keeps one axis: 2w − 1 entries per head, N(0, 0.02²) here
 *   (not truncated: at 0.02 the 2σ cut changes nothing visible).
 *
 * Decisions:
 * - Layer parity: ctx.layer is the index of the layer *run* (loops unrolled), so the passes of a
 *   looped layer alternate between the grids: a pass at an even run index is unshifted, one at an
 *   odd run index shifted; the same weights see both grids. `shift: false` keeps every layer
 *   on the unshifted grid (Swin's W-MSA alone, and FlatFormer's groups in 1-D: see the doc).
 * - T not a multiple of w: Swin's classification code asserts divisibility (its detection code
 *   pads with zero tokens that every query sees). Here the windows at both ends are simply cut to
 *   the tokens that exist; no padding token is ever attended to.
 * - `causal` (a decoder variant, not in the paper): within its window a query sees only j ≤ i.
 * - Additive model position biases (ALiBi, T5) are not applied: the block has its own relative
 *   bias (`relativeBias`), and the fast path builds no T × T tensor to add them to. RoPE applies.
 * - Fast path, O(T·w), no T × T tensor: queries, keys and values zero-padded by o in front and up to
 *   a multiple of w behind, folded into [n, w] windows; a [w, w] product per window with the bias
 *   [H, w, w] and a mask [n, w, w] (padding keys hidden, causal inside the window), unfolded and cut.
 */
import { z } from 'zod';
import type { Tensor } from '../graph/ir';
import type { BlockContext } from './define';
import { defineBlock } from './define';
import { allOf, causalMask, mergeHeads, splitHeads } from './nn';
import { relativePositions } from './attention';
import { attentionDecode, kvCacheState } from './kvCache';

/** Offset o of the window grid in layer run `layer`: window(i) = ⌊(i + o)/w⌋ (0 when unshifted). */
export function windowOffset(T: number, w: number, layer: number, shift: boolean): number {
  const s = Math.floor(w / 2);
  return shift && layer % 2 === 1 && T > w && s > 0 ? w - s : 0;
}

/** The learned relative bias B_h[i − j] gathered by `index` (int64 of (i − j) + w − 1) → [..., H] moved to the front. */
function relativeBias(ctx: BlockContext, w: number, index: Tensor): Tensor {
  const { b, nHeads: H } = ctx;
  const table = ctx.weight('relative_bias', [2 * w - 1, H], { kind: 'normal', std: 0.02 }); // [2w − 1, H]
  const picked = b.gather(table, index); // [..., H]
  const rank = picked.shape.length;
  return b.transpose(picked, [rank - 1, ...Array.from({ length: rank - 1 }, (_, i) => i)]); // [H, ...]
}

export default defineBlock({
  kind: 'shifted_window',
  slot: 'mixer',
  title: 'Shifted-window attention (Swin)',
  paper: 'Swin Transformer: Hierarchical Vision Transformer using Shifted Windows',
  explanation:
    'The sequence is cut into non-overlapping windows of w tokens and every token attends only ' +
    'within its own window, so the cost grows linearly with length. On every other layer the ' +
    'window grid is shifted by half a window, so tokens that sat at a border now share a window ' +
    'with their former neighbours: stacked layers pass information across the whole sequence. The ' +
    'map is a row of blocks on the diagonal, offset by half a block on odd layers.',
  map: 'explicit',
  doc: `
**Paper:** "Swin Transformer: Hierarchical Vision Transformer using Shifted Windows" (Liu et al.,
ICCV 2021), in one dimension. Checked against the authors' code (microsoft/Swin-Transformer,
\`models/swin_transformer.py\`: shift_size = window_size // 2 on odd blocks, cyclic roll + mask,
relative position bias table).
**Math:** window(i) = ⌊(i + o)/w⌋ with o = 0 on even layers and o = w − ⌊w/2⌋ on odd ones (the
grid moved by s = ⌊w/2⌋: windows [0, s), [s, s + w), …). Query i sees the keys of its window (j ≤ i
too when causal); s_ij = q_i·k_j/√d + B_h[i − j] with Swin's learned relative bias (2w − 1 values per
head, \`relativeBias\`); softmax over the visible keys. Swin's roll-and-mask gives exactly these
windows; its mask adds −100 to the logits, here the weight is exactly 0. When T ≤ w there is one
window and no shift (as in Swin). Windows at the ends are cut to the tokens that exist (Swin's
classification code requires T to be a multiple of w).
**Layer parity:** the shift follows the index of the layer *run*: in a loop the same layer's
passes alternate between the two grids (runs 0, 2, … unshifted; 1, 3, … shifted). The index counts
every layer of the stack, so with other mixers in between, a Swin layer's grid follows its own
position (Swin alternates within each stage of Swin blocks: \`shift_size = 0 if i % 2 == 0\`).
**FlatFormer** ("FlatFormer: Flattened Window Attention for Efficient Point Cloud Transformer",
Liu et al., CVPR 2023) is not a separate block: it sorts points by window coordinates and cuts the
sorted list into groups of equal *size*. In 1-D with one token per position, sorting by window
(shifted or not) and then position is the identity order, so its groups are always
[0, g), [g, 2g), …: the unshifted windows (\`shift: false\`); its shift changes nothing in 1-D.
Checked against mit-han-lab/flatformer (\`FlattenedWindowMapping\`: the sort keys are monotone in x
when y is constant). Its alternation between x-major and y-major orders has no 1-D counterpart:
the y-major key of a single row reverses every other window; unshifted with g = w that gives the
same groups again, while shifted it would put the first w − ⌊w/2⌋ tokens in one group with the
last ⌊w/2⌋ tokens of the next window (non-contiguous groups, an artefact of treating a row as a
2-D image), so the 1-D form is the x-major order. One detail differs: FlatFormer fills a last, partial group with the tokens
before it (that group's queries see the last g tokens); here the last window is cut.
**Map:** explicit: blocks on the diagonal (lower triangles when causal), offset on odd layers.
Additive model position biases (ALiBi, T5) are not applied; RoPE is.
**Fast path (O(T·w), no T × T tensor):** q, k, v zero-padded by o in front and to a multiple of w,
folded into windows [n, w]; per window a [w, w] product, bias and mask; unfolded and cut.
**Decoding:** K/V cache, a ring of the last w positions (it always holds the current window):
2·d floats per token per layer up to w, then none. Step t sees the slots from its window's start,
on the grid of a text of t + 1 tokens. Caveat: on a shifted layer that grid changes when the text
passes w tokens (no shift while T ≤ w, as in Swin), which moves rows ⌊w/2⌋ … w − 1 of the forward
pass; a cache cannot follow that, so a layer after a shifted one sees those rows as they were when
decoded (exact when the shifted layer is the last, or \`shift\` is off; the generic form is no better).
`,
  params: z.object({
    window: z.number().int().min(1).max(512).describe('w, tokens per window').default(8),
    shift: z.boolean().describe('shift the grid by ⌊w/2⌋ on odd layers').default(true),
    relativeBias: z.boolean().describe("Swin's learned bias per head and offset i − j").default(true),
    causal: z.boolean().default(true),
  }),
  emit(ctx, x, p) {
    const { b, B, T, dModel: d, nHeads: H, headDim: hd } = ctx;
    const w = p.window;
    const o = windowOffset(T, w, ctx.layer, p.shift);
    const q = ctx.position.rotate(splitHeads(ctx, ctx.linear(x, d, d, 'q'))); // [B, H, T, hd]
    const k = ctx.position.rotate(splitHeads(ctx, ctx.linear(x, d, d, 'k')));
    const v = splitHeads(ctx, ctx.linear(x, d, d, 'v'));
    const scale = b.scalar(1 / Math.sqrt(hd));
    const out = (heads: Tensor) => ctx.linear(mergeHeads(ctx, heads), d, d, 'o');

    if (ctx.mode === 'inspect') {
      const window = Array.from({ length: T }, (_, i) => Math.floor((i + o) / w));
      const same = b.equal(b.constant('query_window', 'float32', [T, 1], window), b.constant('key_window', 'float32', [1, T], window)); // [T, T]
      const mask = p.causal ? allOf(ctx, same, causalMask(ctx)) : same;
      let logits = b.mul(b.matmul(q, b.transpose(k, [0, 1, 3, 2])), scale); // [B, H, T, T]
      if (p.relativeBias) {
        // (i − j) + w − 1, clipped into the table: pairs further apart than w − 1 are masked anyway.
        const index = b.cast(b.add(b.clip(relativePositions(ctx).diff, -(w - 1), w - 1), b.scalar(w - 1)), 'int64'); // [T, T]
        logits = b.add(logits, b.reshape(relativeBias(ctx, w, index), [1, H, T, T]));
      }
      const probs = b.softmax(b.where(mask, logits, b.scalar(-1e9)), -1);
      return { y: out(b.matmul(probs, v)), probs };
    }

    // Fold into n windows of w slots: o zeros in front, zeros behind up to n·w.
    const n = Math.ceil((T + o) / w);
    const fold = (t: Tensor) => b.reshape(b.pad(t, [0, 0, o, 0], [0, 0, n * w - T - o, 0]), [B, H, n, w, hd]);
    const [qw, kw, vw] = [fold(q), fold(k), fold(v)];
    let logits = b.mul(b.matmul(qw, b.transpose(kw, [0, 1, 2, 4, 3])), scale); // [B, H, n, w, w]
    const slot = Array.from({ length: w }, (_, a) => a);
    if (p.relativeBias) {
      const index = b.constant('relative_index', 'int64', [w, w], slot.flatMap((a) => slot.map((c) => a - c + w - 1))); // slot a − slot c + w − 1
      logits = b.add(logits, b.reshape(relativeBias(ctx, w, index), [1, H, 1, w, w]));
    }
    // Key slot c of window m holds token m·w + c − o: hidden when that is padding (and, causal, when c > a).
    const real = b.constant('key_is_token', 'float32', [n, 1, w], Array.from({ length: n * w }, (_, t) => (t >= o && t < o + T ? 1 : 0)));
    let mask = b.greater(real, b.scalar(0.5)); // [n, 1, w]
    if (p.causal) mask = allOf(ctx, mask, b.constant('slot_causal', 'bool', [1, w, w], slot.flatMap((a) => slot.map((c) => (c <= a ? 1 : 0))))); // [n, w, w]
    const probs = b.softmax(b.where(mask, logits, b.scalar(-1e9)), -1); // [B, H, n, w, w]
    const mixed = b.reshape(b.matmul(probs, vw), [B, H, n * w, hd]);
    return { y: out(b.slice(mixed, [2], [o], [o + T])) }; // [B, H, T, hd] → [B, T, d]
  },
  // Decoding: a ring of the last w keys and values; the query sees the slots from its window's start.
  decode: {
    state: (p, m) => kvCacheState(m.nHeads, m.dModel / m.nHeads, { kind: 'window', window: p.window }),
    emit(ctx, x, p, state) {
      const { b, nHeads: H, decode: dec } = ctx;
      const w = p.window;
      const t = dec.position;
      // The grid of a text of t + 1 tokens: offset o once it is longer than w (windowOffset's T > w).
      const o = windowOffset(w + 1, w, ctx.layer, p.shift);
      const offset = o === 0 ? b.scalar(0) : b.mul(b.cast(b.greaterOrEqual(t, b.scalar(w)), 'float32'), b.scalar(o)); // [1]
      const shifted = b.add(t, offset);
      const start = b.sub(b.mul(b.floor(b.div(shifted, b.scalar(w))), b.scalar(w)), offset); // w·⌊(t + o)/w⌋ − o (≤ 0 means from 0)
      return attentionDecode(ctx, x, state, {
        kvHeads: H,
        layout: { kind: 'window', window: w },
        visible: (positions) => b.reshape(b.cast(b.greaterOrEqual(positions, start), 'float32'), [1, 1, 1, positions.shape[0]!]),
        separateBias: true, // the model's ALiBi and T5 biases do not act here; the block's own relative bias does
        normalise: (logits, visible, _modelBias, positions) => {
          let s = logits;
          if (p.relativeBias) {
            const index = b.cast(b.add(b.clip(b.sub(t, positions), 0, w - 1), b.scalar(w - 1)), 'int64'); // (t − j) + w − 1
            s = b.add(s, b.reshape(relativeBias(ctx, w, index), [1, H, 1, positions.shape[0]!]));
          }
          return b.softmax(b.where(visible, s, b.scalar(-1e9)), -1);
        },
      });
    },
  },
});
