/**
 * Pooling mixer (PoolFormer): average pooling over a window of tokens, minus the token itself.
 * Paper: "MetaFormer Is Actually What You Need for Vision" (Yu et al., CVPR 2022).
 *
 *   y_i = (1 / |W(i)|) Σ_{j ∈ W(i)} x_j − x_i     (every channel alike; no weights)
 *   causal:        W(i) = {max(0, i − k + 1), …, i}            (the k tokens ending at i)
 *   bidirectional: W(i) = {max(0, i − r), …, min(T − 1, i + r)}, r = (k − 1) / 2 (centred)
 * Implicit map (the same for every head and channel): A = P − I with P_ij = 1 / |W(i)| for
 * j ∈ W(i), else 0. Every row sums to 0; the map is signed (−1 + 1/|W(i)| on the diagonal).
 *
 * Sources checked (sail-sg/poolformer, models/poolformer.py): `Pooling` is
 * nn.AvgPool2d(pool_size, stride=1, padding=pool_size // 2, count_include_pad=False) and returns
 * pool(x) − x; the block is x + LayerScale · token_mixer(norm(x)). The authors' answer in the
 * repository's issue #4 on the subtraction (read through a mirror of the thread): since the
 * MetaFormer block already has a residual connection, the input is subtracted in Eq. (4); plain
 * pooling without the subtraction also works, slightly worse.
 * count_include_pad=False means the edge averages are over the tokens that exist, as here.
 *
 * Decisions:
 * - 1-D over time instead of 2-D over image patches; bidirectional with odd k is the paper's
 *   centred window exactly (its pool sizes are odd: 3 by default).
 * - `causal` (default, a † detail of docs/variants.md: a decoder variant, not in the paper): the window is
 *   the k tokens ending at i, so no token sees the future; near the start the average is over the
 *   i + 1 tokens that exist (count_include_pad=False semantics carried over).
 * - Position blocks that act inside attention (RoPE, ALiBi, T5) do not apply to this mixer.
 * - No LayerScale (the layer's norm placement and residual come from the topology, as for every
 *   mixer). The heads are H identical copies of one map, so the views can show it per head.
 * - Fast path, O(k·T): x zero-padded in time (k − 1 zeros before it when causal, (k − 1)/2 on
 *   each side otherwise), the k shifted slices of it added up (the window sums: a missing token
 *   adds 0), times 1 / |W(i)| (a constant of length T), minus x. We tried prefix sums first
 *   (CumSum, then S[hi + 1] − S[lo]): in float32 their error grows with the running sum, about
 *   2e-4 relative on the logits at T = 2048 against 1e-5 for this form, so k ≤ 15 slices it is.
 *
 * Decoding (causal; constant state): the last k − 1 inputs [k − 1, d], oldest first, zeros before
 * the first token; y_t = (Σ state + x_t) / min(t + 1, k) − x_t. The fast path's window sum reads
 * the same k inputs (its zero padding is the state's initial zeros) and divides by the same count
 * |W(t)| = min(t + 1, k) of tokens that exist.
 */
import { z } from 'zod';
import type { BlockContext } from './define';
import { defineBlock } from './define';
import { allOf, mergeHeads, splitHeads } from './nn';

/** First and last token of each window, and its size (tokens that exist). */
export function windows(T: number, k: number, causal: boolean): { lo: number[]; hi: number[]; count: number[] } {
  const r = (k - 1) / 2;
  const lo = Array.from({ length: T }, (_, i) => Math.max(0, causal ? i - k + 1 : i - r));
  const hi = Array.from({ length: T }, (_, i) => (causal ? i : Math.min(T - 1, i + r)));
  return { lo, hi, count: lo.map((l, i) => hi[i]! - l + 1) };
}

export default defineBlock({
  kind: 'pooling',
  slot: 'mixer',
  title: 'Pooling (PoolFormer)',
  paper: 'MetaFormer Is Actually What You Need for Vision',
  explanation:
    'The simplest token mixer there is: each token becomes the plain average of the k tokens in a ' +
    'window around it (in a decoder, itself and the k − 1 before it), minus itself, since the ' +
    'residual connection adds it back. Nothing is learned and nothing depends on content: the map ' +
    'is the same fixed band for every input and every head. PoolFormer showed that the rest of the ' +
    'transformer block does much of the work.',
  map: 'implicit',
  letter: 'P',
  doc: `
**Paper:** "MetaFormer Is Actually What You Need for Vision" (Yu et al., CVPR 2022). Checked
against the official code (sail-sg/poolformer, \`models/poolformer.py\`: \`AvgPool2d(k, stride 1,
padding k // 2, count_include_pad=False)\`, returning pool(x) − x).
**Math:** y_i = (1/|W(i)|) Σ_{j ∈ W(i)} x_j − x_i, every channel alike, no weights. Causal
(default; our decoder variant, a † detail of [the variant catalogue](variants.md#details-to-be-checked-against-the-paper-)): W(i) = the k tokens ending at i.
Bidirectional (the paper's form): the k tokens centred on i. At the edges the window keeps only
the tokens that exist, and the average is over those (count_include_pad=False).
The map is A = P − I with P_ij = 1/|W(i)| inside the window: the same for every head and every
input. Each token takes an equal share of its neighbours and gives up itself, so every row sums
to 0. The subtraction is there because the layer's residual adds x back, so the layer as a whole
moves each token to its local average.
**Fast path (no T × T matrix):** x is zero-padded in time and its k shifted slices are added (the
window sums), then multiplied by the constant 1/|W(i)| and x is subtracted. ONNX ops: Concat,
Slice, Add, Mul, Sub.

**Decoding:** constant state the last k − 1 inputs, (k − 1)·d floats per layer (causal only).
`,
  params: z.object({
    size: z.number().int().min(3).max(15).describe('k, odd').default(3),
    causal: z.boolean().default(true),
  }),
  check: (p) => (p.size % 2 === 0 ? `parameter "size" must be odd (3, 5, … 15), got ${p.size}` : null),
  emit(ctx, x, p) {
    const { b, B, T, dModel: d } = ctx;
    if (ctx.mode === 'inspect') {
      const probs = poolingMap(ctx, p.size, p.causal); // [1, H, T, T], one map for every sequence
      return { y: mergeHeads(ctx, b.matmul(probs, splitHeads(ctx, x))), probs };
    }
    // Window sums as k shifted copies of x, zero-padded so that missing tokens add nothing.
    const { count } = windows(T, p.size, p.causal);
    const before = p.causal ? p.size - 1 : (p.size - 1) / 2;
    const after = p.size - 1 - before;
    const zeros = (n: number) => b.constant('zero_pad', 'float32', [B, n, d], new Array(B * n * d).fill(0));
    const padded = b.concat([...(before ? [zeros(before)] : []), x, ...(after ? [zeros(after)] : [])], 1); // [B, T + k − 1, d]
    let sums = b.slice(padded, [1], [0], [T]); // x_{i − before}
    for (let m = 1; m < p.size; m++) sums = b.add(sums, b.slice(padded, [1], [m], [m + T])); // … + x_{i − before + m}
    const inv = b.constant('inv_count', 'float32', [1, T, 1], count.map((c) => 1 / c));
    return { y: b.sub(b.mul(sums, inv), x) };
  },
  decode: {
    state: (p, m) => [{ name: 'recent', kind: 'recurrent', shape: () => [p.size - 1, m.dModel], note: 'the last k − 1 inputs, oldest first' }],
    emit(ctx, x, p, state) {
      const { b, decode } = ctx;
      const window = b.concat([state['recent']!, x], 1); // x_{t−k+1} … x_t, [B, k, d] (zeros before the first token)
      const count = b.reshape(b.clip(b.add(decode.position, b.scalar(1)), undefined, p.size), [1, 1, 1]); // |W(t)| = min(t + 1, k)
      const y = b.sub(b.div(b.reduceSum(window, [1], true), count), x);
      return { y, next: { recent: b.slice(window, [1], [1], [p.size]) } };
    },
  },
});

/** A = P − I [1, H, T, T], built in the graph from index vectors (no T × T constant). */
function poolingMap(ctx: BlockContext, k: number, causal: boolean) {
  const { b, T, nHeads: H } = ctx;
  const idx = Array.from({ length: T }, (_, i) => i);
  const rows = b.constant('query_index', 'float32', [T, 1], idx);
  const cols = b.constant('key_index', 'float32', [1, T], idx);
  const diff = b.sub(rows, cols); // i − j, [T, T]
  const inside = causal
    ? allOf(ctx, b.greaterOrEqual(diff, b.scalar(0)), b.less(diff, b.scalar(k)))
    : b.lessOrEqual(b.abs(diff), b.scalar((k - 1) / 2));
  const member = b.cast(inside, 'float32'); // [T, T]
  const p = b.div(member, b.reduceSum(member, [-1], true)); // 1 / |W(i)| inside the window
  const eye = b.cast(b.equal(diff, b.scalar(0)), 'float32');
  const heads = b.constant('ones', 'float32', [1, H, 1, 1], new Array(H).fill(1));
  return b.mul(b.sub(p, eye), heads); // [1, H, T, T]
}
